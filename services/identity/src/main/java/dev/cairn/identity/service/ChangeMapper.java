package dev.cairn.identity.service;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
        IdentityChange.Builder b = IdentityChange.newBuilder().setSequence(e.seq)
                .setKind(IdentityChangeKind.valueOf(e.kind)).setProfileId(e.profileId)
                .addAllAbsorbedProfileIds(csv(e.absorbedProfileIds)).addAllSplitProfileIds(csv(e.splitProfileIds))
                .setCause(IdentityCause.newBuilder().setRule(e.rule).setMessageId(e.messageId)
                        .setSourceId(e.sourceId).setActor(e.actor).setNote(e.note))
                .setOccurredAt(ts(e.occurredAt)).setRecordedAt(ts(e.recordedAt)).setHoldId(e.holdId);
        for (EntryIdentifiers.Item item : EntryIdentifiers.read(e.identifiers)) {
            IdentifierCipher.tryDecrypt(keys.get(item.h()), item.h(), item.c())
                    .ifPresent(value -> b.addIdentifiers(new Ident(item.n(), value).toProto()));
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
