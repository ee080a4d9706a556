package dev.cairn.identity.service;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.Timestamp;

import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.proto.events.v1.IdentityCause;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/** Turns log entries into the IdentityChange of the changes topic and ExplainProfile, decrypting what it can. */
public final class ChangeMapper {

    private ChangeMapper() {
    }

    /**
     * The change, with every identifier whose key still exists decrypted. An erased identifier (key destroyed)
     * is left out: the log keeps its place, not its value.
     */
    public static IdentityChange toProto(LogEntry e, Map<String, byte[]> keys) {
        List<EntryIdentifiers.Item> items = EntryIdentifiers.read(e.identifiers);
        return toProto(e, items, items.stream()
                .map(item -> IdentifierCipher.tryDecrypt(keys.get(item.h()), item.h(), item.c())).toList());
    }

    /** The same, from the entry's identifiers already read and decrypted (empty: erased), in their order. */
    public static IdentityChange toProto(LogEntry e, List<EntryIdentifiers.Item> items, List<Optional<String>> values) {
        IdentityChange.Builder b = IdentityChange.newBuilder().setSequence(e.seq)
                .setKind(IdentityChangeKind.valueOf(e.kind)).setProfileId(e.profileId)
                .addAllAbsorbedProfileIds(csv(e.absorbedProfileIds)).addAllSplitProfileIds(csv(e.splitProfileIds))
                .setCause(IdentityCause.newBuilder().setRule(e.rule).setMessageId(e.messageId)
                        .setSourceId(e.sourceId).setActor(e.actor).setNote(e.note))
                .setOccurredAt(ts(e.occurredAt)).setRecordedAt(ts(e.recordedAt)).setHoldId(e.holdId);
        for (int i = 0; i < items.size(); i++) {
            String namespace = items.get(i).n();
            values.get(i).ifPresent(value -> b.addIdentifiers(new Ident(namespace, value).toProto()));
        }
        return b.build();
    }

    public static List<String> csv(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    public static Timestamp ts(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
