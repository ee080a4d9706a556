package dev.cairn.platform.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;

/**
 * Writes a {@code cairn.events.v1.DataRead} (proto/cairn/events/v1/read_audit.proto) by field number: platform has
 * no generated proto classes (two copies of them on one classpath clash), as {@code SubjectConsent} reads consent
 * states by number. Consent's tests parse what this writes with the generated class, which holds the two together.
 */
final class DataReadWire {

    private DataReadWire() {
    }

    /**
     * @param hash the keyed hash of a subject key
     */
    static byte[] encode(String recordId, PendingRead read, UnaryOperator<String> hash) {
        // One entry per subject hash: a subject named twice in one read (a batch asking twice) is one subject.
        Map<String, String> purposes = new LinkedHashMap<>();
        read.subjects().forEach(s -> purposes.putIfAbsent(hash.apply(s.subjectKey()), read.purposeOf(s)));
        return message(out -> {
            out.writeString(1, recordId);
            out.writeString(2, read.service());
            out.writeString(3, read.rpc());
            out.writeString(4, read.action());
            writeIfSet(out, 5, read.actorSubject());
            writeIfSet(out, 6, read.actorClient());
            out.writeBytes(7, timestamp(read.readAt()));
            for (Map.Entry<String, String> subject : purposes.entrySet()) {
                out.writeBytes(8, ByteString.copyFrom(message(s -> {
                    s.writeString(1, subject.getKey());
                    s.writeString(2, subject.getValue());
                })));
            }
            for (String kind : read.dataKinds()) {
                out.writeString(9, kind);
            }
        });
    }

    private static void writeIfSet(CodedOutputStream out, int field, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            out.writeString(field, value);
        }
    }

    private static ByteString timestamp(Instant at) {
        return ByteString.copyFrom(message(out -> {
            out.writeInt64(1, at.getEpochSecond());
            if (at.getNano() != 0) {
                out.writeInt32(2, at.getNano());
            }
        }));
    }

    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            fields.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
