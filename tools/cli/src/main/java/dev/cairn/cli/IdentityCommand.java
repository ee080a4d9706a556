package dev.cairn.cli;

import java.util.List;
import java.util.concurrent.Callable;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import dev.cairn.client.Identifiers;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.ApproveHeldMergeRequest;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.ListHeldMergesRequest;
import dev.cairn.proto.identity.v1.MergeRequest;
import dev.cairn.proto.identity.v1.RejectHeldMergeRequest;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.UnmergeRequest;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./cairn identity …}: identity's operator commands, each one RPC whose request is built as the typed message
 * from the arguments (so a reason may hold any character), and whose answer is printed as proto JSON. Rebuilding the
 * graph restarts the service, which is the script's.
 */
@Command(name = "identity", mixinStandardHelpOptions = true, description = "Identity's operator commands (services/identity/README.md, \"Operating it from ./cairn\").", subcommands = {
        IdentityCommand.Resolve.class, IdentityCommand.Explain.class, IdentityCommand.Merge.class,
        IdentityCommand.Unmerge.class, IdentityCommand.Holds.class, IdentityCommand.Approve.class,
        IdentityCommand.Reject.class, SupervisionCommands.Rebuild.class, HelpCommand.class})
class IdentityCommand {

    /** One identity RPC: the typed request, sent with the caller's token, or only printed with --dry-run. */
    abstract static class IdentityRpc implements Callable<Integer> {

        @Option(names = "--dry-run", description = "print the request as JSON (what ./cairn call identity <rpc> takes) "
                + "and send nothing")
        boolean dryRun;

        @Mixin
        ApiAccess api;

        @Spec
        CommandSpec spec;

        /** The RPC's name in IdentityService. */
        abstract String rpc();

        abstract Message request();

        @Override
        public Integer call() throws InvalidProtocolBufferException {
            Message request = request();
            if (dryRun) {
                CallCommand.print(spec, List.of(JsonFormat.printer().print(request)));
                return 0;
            }
            RpcCatalog catalog = new RpcCatalog();
            CallCommand.print(spec, CallCommand.send(api, catalog, "identity",
                    CallCommand.method(spec, catalog, "identity", rpc()), List.of(request), 0));
            return 0;
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true, description = "Who is this? The profile an identifier is in, with its linked identifiers.")
    static class Resolve extends IdentityRpc {

        @Parameters(index = "0", paramLabel = "<namespace>", description = "e.g. anonymous_id, user_id, email")
        String namespace;

        @Parameters(index = "1", paramLabel = "<value>")
        String value;

        @Override
        String rpc() {
            return "Resolve";
        }

        @Override
        Message request() {
            return ResolveRequest.newBuilder().setIdentifier(Identifiers.of(namespace, value)).build();
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true, description = "A profile's history: every entry of its log with its cause.")
    static class Explain extends IdentityRpc {

        @Parameters(paramLabel = "<profile-id | namespace:value>", converter = ProfileReference.class, description = "a profile id (a UUID, never a colon), or namespace:value for the profile an identifier "
                + "is in (the value may hold further colons)")
        ExplainProfileRequest profile;

        @Override
        String rpc() {
            return "ExplainProfile";
        }

        @Override
        Message request() {
            return profile;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true, description = "Operator merge: the source profile's identifiers move into the target (role "
            + "identity.operator). The identity rules still apply: a merge they forbid is refused with its rule.")
    static class Merge extends IdentityRpc {

        @Parameters(index = "0", paramLabel = "<target-profile>")
        String target;

        @Parameters(index = "1", paramLabel = "<source-profile>")
        String source;

        @Parameters(index = "2", paramLabel = "<reason>", description = "kept in the log as the entry's note")
        String reason;

        @Override
        String rpc() {
            return "Merge";
        }

        @Override
        Message request() {
            return MergeRequest.newBuilder().setTargetProfileId(target).setSourceProfileId(source).setReason(reason)
                    .build();
        }
    }

    @Command(name = "unmerge", mixinStandardHelpOptions = true, description = "Split a profile back along its log: undo the merge recorded at <merge-sequence>.")
    static class Unmerge extends IdentityRpc {

        @Parameters(index = "0", paramLabel = "<profile>")
        String profile;

        @Parameters(index = "1", paramLabel = "<merge-sequence>", converter = MergeSequence.class, description = "the MERGED entry's sequence number (./cairn identity explain shows it)")
        long mergeSequence;

        @Parameters(index = "2", paramLabel = "<reason>")
        String reason;

        @Override
        String rpc() {
            return "Unmerge";
        }

        @Override
        Message request() {
            return UnmergeRequest.newBuilder().setProfileId(profile).setMergeSequence(mergeSequence).setReason(reason)
                    .build();
        }
    }

    @Command(name = "holds", mixinStandardHelpOptions = true, description = "The merges held by a merge cap, waiting for an operator to approve or reject them.")
    static class Holds extends IdentityRpc {

        @Override
        String rpc() {
            return "ListHeldMerges";
        }

        @Override
        Message request() {
            return ListHeldMergesRequest.getDefaultInstance();
        }
    }

    /** Approve and reject take the same arguments: which held merge, and why (kept in the log). */
    abstract static class HeldMergeDecision extends IdentityRpc {

        @Parameters(index = "0", paramLabel = "<hold-id>", description = "./cairn identity holds lists them")
        String holdId;

        @Parameters(index = "1", paramLabel = "<reason>")
        String reason;
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Carry out a held merge.")
    static class Approve extends HeldMergeDecision {

        @Override
        String rpc() {
            return "ApproveHeldMerge";
        }

        @Override
        Message request() {
            return ApproveHeldMergeRequest.newBuilder().setHoldId(holdId).setReason(reason).build();
        }
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, description = "Drop a held merge: the profiles stay apart.")
    static class Reject extends HeldMergeDecision {

        @Override
        String rpc() {
            return "RejectHeldMerge";
        }

        @Override
        Message request() {
            return RejectHeldMergeRequest.newBuilder().setHoldId(holdId).setReason(reason).build();
        }
    }

    /** A profile id, or {@code namespace:value} for the profile an identifier is in. */
    static final class ProfileReference implements CommandLine.ITypeConverter<ExplainProfileRequest> {

        @Override
        public ExplainProfileRequest convert(String reference) {
            int colon = reference.indexOf(':');
            if (colon < 0) {
                if (reference.isBlank()) {
                    throw new CommandLine.TypeConversionException(
                            "a profile id or namespace:value, not an empty string");
                }
                return ExplainProfileRequest.newBuilder().setProfileId(reference).build();
            }
            Identifier identifier = Identifiers.of(reference.substring(0, colon), reference.substring(colon + 1));
            if (identifier.getNamespace().isEmpty() || identifier.getValue().isEmpty()) {
                throw new CommandLine.TypeConversionException(
                        "namespace:value needs both a namespace and a value, not '" + reference + "'");
            }
            return ExplainProfileRequest.newBuilder().setIdentifier(identifier).build();
        }
    }

    /** The sequence number of a MERGED log entry: a positive whole number. */
    static final class MergeSequence implements CommandLine.ITypeConverter<Long> {

        @Override
        public Long convert(String value) {
            long sequence;
            try {
                sequence = Long.parseLong(value);
            } catch (NumberFormatException e) {
                sequence = 0;
            }
            if (sequence <= 0) {
                throw new CommandLine.TypeConversionException("merge-sequence must be the MERGED entry's sequence "
                        + "number (see ./cairn identity explain), not '" + value + "'");
            }
            return sequence;
        }
    }
}
