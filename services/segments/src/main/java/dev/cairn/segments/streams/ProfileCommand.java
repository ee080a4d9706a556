package dev.cairn.segments.streams;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the topology routes between its two stages: the identifier stage (keyed by identifier) and the
 * profile stage (keyed by profile id). {@code payload} is the input's protobuf bytes, or for a transfer the
 * absorbed profile's state; null for a consent tombstone.
 */
public record ProfileCommand(Kind kind, String identifier, String profileId, byte[] payload, long occurredAt) {

    public enum Kind {
        /** A governed event (payload: Event). */
        EVENT,
        /** A subject's consent (identifier: the subject; payload: ConsentState, null when erased). */
        CONSENT,
        /** An identifier now belongs to profileId (identity linked or moved it). */
        LINK,
        /** The keyed profile was merged into profileId: send it its state. */
        ABSORB,
        /** The state of a profile absorbed into the keyed one (payload: ProfileState). */
        TRANSFER,
        /** Erase the keyed profile (identifier: the erasure request id). */
        ERASE,
        /**
         * Identifiers leave the keyed profile for profileId (identity split it); payload: their keys, one per line.
         * Last in the enum: the ordinal is the wire format.
         */
        SPLIT
    }

    /** Marks a {@link Kind#TRANSFER} that carries the split-off part of a profile rather than a merged one. */
    public static final String SPLIT_TRANSFER = "split";

    public static ProfileCommand event(String identifier, byte[] event) {
        return new ProfileCommand(Kind.EVENT, identifier, "", event, 0);
    }

    public static ProfileCommand consent(String subject, byte[] state) {
        return new ProfileCommand(Kind.CONSENT, subject, "", state, 0);
    }

    public static ProfileCommand link(String identifier, String profileId, long occurredAt) {
        return new ProfileCommand(Kind.LINK, identifier, profileId, null, occurredAt);
    }

    public static ProfileCommand absorb(String into, long occurredAt) {
        return new ProfileCommand(Kind.ABSORB, "", into, null, occurredAt);
    }

    public static ProfileCommand transfer(String from, byte[] state, long occurredAt) {
        return new ProfileCommand(Kind.TRANSFER, "", from, state, occurredAt);
    }

    public static ProfileCommand split(String newProfileId, java.util.List<String> moved, long occurredAt) {
        return new ProfileCommand(Kind.SPLIT, "", newProfileId,
                String.join("\n", moved).getBytes(java.nio.charset.StandardCharsets.UTF_8), occurredAt);
    }

    public static ProfileCommand splitTransfer(String from, byte[] state, long occurredAt) {
        return new ProfileCommand(Kind.TRANSFER, SPLIT_TRANSFER, from, state, occurredAt);
    }

    public static ProfileCommand erase(String requestId) {
        return new ProfileCommand(Kind.ERASE, requestId, "", null, 0);
    }

    public static final Serde<ProfileCommand> SERDE = Serdes.serdeFrom(new Ser(), new De());

    static final class Ser implements Serializer<ProfileCommand> {
        @Override
        public byte[] serialize(String topic, ProfileCommand c) {
            if (c == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(1); // format version
                out.writeByte(c.kind.ordinal());
                out.writeUTF(c.identifier);
                out.writeUTF(c.profileId);
                out.writeLong(c.occurredAt);
                out.writeInt(c.payload == null ? -1 : c.payload.length);
                if (c.payload != null) {
                    out.write(c.payload);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    static final class De implements Deserializer<ProfileCommand> {
        @Override
        public ProfileCommand deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                in.readByte();
                Kind kind = Kind.values()[in.readByte()];
                String identifier = in.readUTF();
                String profileId = in.readUTF();
                long occurredAt = in.readLong();
                int len = in.readInt();
                byte[] payload = len < 0 ? null : in.readNBytes(len);
                return new ProfileCommand(kind, identifier, profileId, payload, occurredAt);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
