package dev.cairn.cli;

import java.util.List;
import java.util.concurrent.Callable;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import io.grpc.StatusRuntimeException;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./cairn call <service> <rpc> [json]}: any RPC with a JSON request, the way grpcurl would. */
@Command(name = "call", mixinStandardHelpOptions = true, description = {
        "Call any Cairn RPC with its request message as proto JSON (field names in lowerCamelCase or as "
                + "in the .proto); print each response as JSON.",
        "A client-streaming RPC takes a JSON array of request messages."}, subcommands = {CallCommand.ListCommand.class,
                HelpCommand.class}, footer = {"", "Example:",
                        "  ./cairn call identity Resolve '{\"identifier\":{\"namespace\":\"email\",\"value\":\"ada@example.com\"}}'"})
class CallCommand implements Callable<Integer> {

    /** How long a call may take: long enough for a server stream watched by hand. */
    static final long TIMEOUT_SECONDS = 30;

    // Optional to picocli so that `call list` reaches its subcommand; checked in call().
    @Parameters(index = "0", arity = "0..1", paramLabel = "<service>", completionCandidates = RpcNames.Services.class, description = "ingest, identity, consent or segments")
    String service;

    @Parameters(index = "1", arity = "0..1", paramLabel = "<rpc>", completionCandidates = RpcNames.Rpcs.class, description = "the RPC's name, e.g. Resolve (./cairn call list shows them)")
    String rpc;

    @Parameters(index = "2", arity = "0..1", paramLabel = "<json>", defaultValue = "{}", description = "the request message. Default: ${DEFAULT-VALUE}")
    String json;

    @Option(names = "--max", paramLabel = "<n>", defaultValue = "0", description = "for a server-streaming RPC: stop after n responses (0: until the stream ends)")
    int max;

    @Mixin
    ApiAccess api;

    @Spec
    CommandSpec spec;

    private final RpcCatalog catalog = new RpcCatalog();

    @Override
    public Integer call() throws Exception {
        if (service == null || rpc == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameters: <service> <rpc>");
        }
        Descriptors.MethodDescriptor method = method(spec, catalog, service, rpc);
        if (max < 0) {
            throw new ParameterException(spec.commandLine(), "--max must be 0 or more, not " + max);
        }
        List<Message> requests;
        try {
            requests = RpcCaller.requests(method, json, catalog);
        } catch (InvalidProtocolBufferException e) {
            throw new ParameterException(spec.commandLine(), "<json> is not a " + method.getInputType().getFullName()
                    + " in proto JSON: " + e.getMessage());
        }
        print(spec, send(api, catalog, service, method, requests, max));
        return 0;
    }

    /** The RPC, or a usage error naming what exists. */
    static Descriptors.MethodDescriptor method(CommandSpec spec, RpcCatalog catalog, String service, String rpc) {
        Descriptors.ServiceDescriptor served = catalog.services().get(service);
        if (served == null) {
            throw new ParameterException(spec.commandLine(),
                    "unknown service '" + service + "'; one of " + catalog.services().keySet());
        }
        return catalog.method(service, rpc)
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "unknown RPC '" + service + " " + rpc
                        + "'; " + service + " serves " + served.getMethods().stream().map(m -> m.getName()).toList()));
    }

    /** Calls {@code method} of {@code service} with the token {@code api} gives; a gRPC failure is thrown as is. */
    static List<String> send(ApiAccess api, RpcCatalog catalog, String service, Descriptors.MethodDescriptor method,
            List<? extends Message> requests, int max) throws InvalidProtocolBufferException {
        try (RpcCaller caller = new RpcCaller(api.address(service), api.credentials(), catalog)) {
            return caller.call(method, requests, max, TIMEOUT_SECONDS);
        }
    }

    static void print(CommandSpec spec, List<String> responses) {
        responses.forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
    }

    /**
     * {@code ./cairn call list [service]}: what each running service serves, asked over gRPC server reflection (as
     * {@code grpcurl list} and {@code describe} do), so the listing is the server's, whatever version this CLI was
     * built from.
     */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every service and RPC the running services serve (gRPC server reflection; no token).")
    static class ListCommand implements Callable<Integer> {

        @Parameters(arity = "0..1", paramLabel = "<service>", completionCandidates = RpcNames.Services.class, description = "one service; all four when left out")
        String service;

        @Mixin
        Endpoints endpoints;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<String> known = List.copyOf(new RpcCatalog().services().keySet());
            List<String> names = service == null ? known : List.of(service);
            if (!known.containsAll(names)) {
                throw new ParameterException(spec.commandLine(), "unknown service '" + service + "'; one of " + known);
            }
            var out = spec.commandLine().getOut();
            var err = spec.commandLine().getErr();
            int unreachable = 0;
            for (String name : names) {
                String address = endpoints.address(name);
                try (ServerReflectionLister lister = new ServerReflectionLister(address)) {
                    for (Descriptors.ServiceDescriptor served : lister.services()) {
                        out.println(name + " (" + address + "): " + served.getFullName());
                        for (Descriptors.MethodDescriptor m : served.getMethods()) {
                            out.printf("  %-24s %s%s -> %s%n", m.getName(), m.isClientStreaming() ? "stream " : "",
                                    m.getInputType().getName(),
                                    (m.isServerStreaming() ? "stream " : "") + m.getOutputType().getName());
                        }
                    }
                } catch (Exception e) {
                    unreachable++;
                    err.println(name + " (" + address + "): not reachable: "
                            + (e instanceof StatusRuntimeException s ? s.getStatus().getCode() : e.getMessage()));
                }
            }
            out.flush();
            err.flush();
            return unreachable == 0 ? 0 : 1;
        }
    }
}
