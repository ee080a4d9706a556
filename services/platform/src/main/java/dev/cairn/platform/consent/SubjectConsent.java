package dev.cairn.platform.consent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

/**
 * The current consent of one subject identifier as read from {@code cairn.consent.state.v1}: the fields of the
 * {@code cairn.events.v1.ConsentState} protobuf that decisions need.
 *
 * <p>
 * Platform does not generate the proto stubs (each service does, and two copies of the same generated classes
 * on one classpath clash), so this decodes the protobuf wire format of ConsentState directly. Field numbers are
 * those of proto/cairn/events/v1/consent.proto; unknown fields are skipped, so a compatible evolution of the
 * message does not break consumers. The consent service's tests check this decoder against the generated
 * classes.
 */
public record SubjectConsent(String subjectKey, String profileId, List<PurposeChoice> purposes, long stateVersion) {

    /**
     * One entry of ConsentState.purposes: normally an explicit choice (reason EXPLICIT_CHOICE). {@code granted} is
     * true only for status GRANTED; {@code recordedAt} is when the subject chose.
     */
    public record PurposeChoice(String purpose, String jurisdiction, boolean granted, int reasonNumber,
            String policyVersion, Optional<Instant> recordedAt, String recordId, String decidedBy) {
    }

    /** Decodes a ConsentState record value. */
    public static SubjectConsent parse(byte[] value) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(value);
            String subject = "";
            String profile = "";
            List<PurposeChoice> purposes = new ArrayList<>();
            long version = 0;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> subject = readIdentifierKey(in);
                    case 2 -> profile = in.readString();
                    case 3 -> purposes.add(readPurpose(in));
                    case 4 -> version = in.readInt64();
                    default -> in.skipField(tag);
                }
            }
            return new SubjectConsent(subject, profile, List.copyOf(purposes), version);
        } catch (IOException e) {
            throw new UncheckedIOException("not a cairn.events.v1.ConsentState", e);
        }
    }

    private static PurposeChoice readPurpose(CodedInputStream outer) throws IOException {
        int limit = outer.pushLimit(outer.readRawVarint32());
        String purpose = "";
        String jurisdiction = "";
        int status = 0;
        int reason = 0;
        String policyVersion = "";
        Instant recordedAt = null;
        String recordId = "";
        String decidedBy = "";
        for (int tag = outer.readTag(); tag != 0; tag = outer.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> purpose = outer.readString();
                case 2 -> jurisdiction = outer.readString();
                case 3 -> status = outer.readEnum();
                case 4 -> reason = outer.readEnum();
                case 5 -> policyVersion = outer.readString();
                case 6 -> recordedAt = readTimestamp(outer);
                case 7 -> recordId = outer.readString();
                case 8 -> decidedBy = readIdentifierKey(outer);
                default -> outer.skipField(tag);
            }
        }
        outer.popLimit(limit);
        // ConsentStatus: 1 GRANTED, 2 WITHDRAWN; anything else is treated as not granted (fail closed).
        return new PurposeChoice(purpose, jurisdiction, status == 1, reason, policyVersion,
                Optional.ofNullable(recordedAt), recordId, decidedBy);
    }

    private static String readIdentifierKey(CodedInputStream outer) throws IOException {
        int limit = outer.pushLimit(outer.readRawVarint32());
        String namespace = "";
        String value = "";
        for (int tag = outer.readTag(); tag != 0; tag = outer.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> namespace = outer.readString();
                case 2 -> value = outer.readString();
                default -> outer.skipField(tag);
            }
        }
        outer.popLimit(limit);
        return SubjectKeys.key(namespace, value);
    }

    private static Instant readTimestamp(CodedInputStream outer) throws IOException {
        int limit = outer.pushLimit(outer.readRawVarint32());
        long seconds = 0;
        int nanos = 0;
        for (int tag = outer.readTag(); tag != 0; tag = outer.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> seconds = outer.readInt64();
                case 2 -> nanos = outer.readInt32();
                default -> outer.skipField(tag);
            }
        }
        outer.popLimit(limit);
        return Instant.ofEpochSecond(seconds, nanos);
    }
}
