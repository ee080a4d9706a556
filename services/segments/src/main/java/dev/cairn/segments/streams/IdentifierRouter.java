package dev.cairn.segments.streams;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.store.MembershipStore;

/**
 * The identifier stage, keyed by identifier ("namespace:value"): knows which profile each identifier belongs
 * to (from identity's changes) and routes events and consent to it. An identifier identity has not linked
 * yet is its own provisional profile; when identity links it, the provisional profile is absorbed into the
 * real one like a merge, so nothing counted before the link is lost.
 */
final class IdentifierRouter implements Processor<String, ProfileCommand, String, ProfileCommand> {

    static final String STORE = "identifier-profile";

    private final MembershipStore redis;
    private final ServingCopyRewrite<String> servingCopy;
    private ProcessorContext<String, ProfileCommand> context;
    private KeyValueStore<String, String> profiles;

    IdentifierRouter(MembershipStore redis, SegmentsConfig.ServingCopy servingCopy) {
        this.redis = redis;
        this.servingCopy = new ServingCopyRewrite<>(STORE, redis, servingCopy, redis::restoreIdentifiers);
    }

    @Override
    public void init(ProcessorContext<String, ProfileCommand> context) {
        this.context = context;
        this.profiles = context.getStateStore(STORE);
        servingCopy.init(context, profiles);
    }

    @Override
    public void process(Record<String, ProfileCommand> record) {
        String identifier = record.key();
        ProfileCommand cmd = record.value();
        String current = profiles.get(identifier);
        switch (cmd.kind()) {
            case EVENT -> context.forward(record.withKey(current != null ? current : identifier));
            case CONSENT ->
                context.forward(record.withKey(current != null ? current : consentProfile(cmd, identifier)));
            case LINK -> {
                if (cmd.profileId().equals(current)) {
                    return;
                }
                profiles.put(identifier, cmd.profileId());
                redis.mapIdentifier(identifier, cmd.profileId(), current);
                if (current == null) {
                    // What was counted under the provisional profile now belongs to the linked one.
                    context.forward(record.withKey(identifier).withValue(new ProfileCommand(
                            ProfileCommand.Kind.ABSORB, identifier, cmd.profileId(), null, cmd.occurredAt())));
                }
            }
            case ERASE -> {
                // The profile stage drops the mappings of identifiers that sent events; an identifier identity alone
                // knew (an email from a login) was mapped here and must be unmapped here too.
                profiles.delete(identifier);
                redis.unmapIdentifier(identifier);
            }
            default -> throw new IllegalStateException("not an identifier command: " + cmd.kind());
        }
    }

    private static String consentProfile(ProfileCommand cmd, String subject) {
        if (cmd.payload() == null) {
            return subject;
        }
        try {
            String profileId = ConsentState.parseFrom(cmd.payload()).getProfileId();
            return profileId.isEmpty() ? subject : profileId;
        } catch (InvalidProtocolBufferException e) {
            return subject;
        }
    }
}
