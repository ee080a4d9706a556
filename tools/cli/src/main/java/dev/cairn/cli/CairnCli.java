package dev.cairn.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.Descriptors;

import io.grpc.StatusRuntimeException;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * {@code ./cairn call <service> <Rpc> [json]} and {@code ./cairn demo}. Addresses come from CAIRN_INGEST,
 * CAIRN_IDENTITY, CAIRN_CONSENT, CAIRN_SEGMENTS (host:port), the bearer token from CAIRN_TOKEN.
 */
@QuarkusMain
public class CairnCli implements QuarkusApplication {

    static final Map<String, String> DEFAULT_ADDRESSES = Map.of("ingest", "127.0.0.1:8081", "identity",
            "127.0.0.1:8082", "consent", "127.0.0.1:8083", "segments", "127.0.0.1:8084");

    private final PrintStream out = System.out;
    private final RpcCatalog catalog = new RpcCatalog();

    @Override
    public int run(String... args) throws Exception {
        if (args.length == 0 || args[0].equals("help")) {
            return help();
        }
        return switch (args[0]) {
            case "demo" -> new Demo(this, out).run();
            case "list" -> list(args.length > 1 ? List.of(args[1]) : List.copyOf(catalog.services().keySet()));
            default -> call(args);
        };
    }

    private int help() {
        out.println("""
                usage: ./cairn call <service> <Rpc> ['<json request>'] [--max N]
                       ./cairn call list [service]  every service and RPC the running services serve (server reflection)
                       ./cairn demo

                The request is the RPC's request message as proto JSON (field names in lowerCamelCase or
                as in the .proto). A client-streaming RPC takes a JSON array of request messages.
                Example:
                  ./cairn call identity Resolve '{"identifier":{"namespace":"email","value":"ada@example.com"}}'
                """);
        return 0;
    }

    /**
     * What each running service serves, asked over gRPC server reflection (as {@code grpcurl list} and
     * {@code describe} do), so the listing is the server's, whatever version this CLI was built from.
     */
    private int list(List<String> names) {
        int unreachable = 0;
        for (String name : names) {
            if (!DEFAULT_ADDRESSES.containsKey(name)) {
                System.err.println("unknown service '" + name + "'; one of " + DEFAULT_ADDRESSES.keySet());
                return 2;
            }
            String address = address(name);
            try (ServerReflectionLister lister = new ServerReflectionLister(address)) {
                for (Descriptors.ServiceDescriptor service : lister.services()) {
                    out.println(name + " (" + address + "): " + service.getFullName());
                    for (Descriptors.MethodDescriptor m : service.getMethods()) {
                        out.printf("  %-24s %s%s -> %s%n", m.getName(), m.isClientStreaming() ? "stream " : "",
                                m.getInputType().getName(),
                                (m.isServerStreaming() ? "stream " : "") + m.getOutputType().getName());
                    }
                }
            } catch (Exception e) {
                unreachable++;
                System.err.println(name + " (" + address + "): not reachable: " + (e instanceof StatusRuntimeException s
                        ? s.getStatus().getCode()
                        : e.getMessage()));
            }
        }
        return unreachable == 0 ? 0 : 1;
    }

    private int call(String[] args) {
        if (args.length < 2) {
            return help();
        }
        String service = args[0];
        Optional<Descriptors.MethodDescriptor> method = catalog.method(service, args[1]);
        if (method.isEmpty()) {
            System.err.println("unknown RPC '" + service + " " + args[1] + "'; ./cairn call list shows them");
            return 2;
        }
        String json = args.length > 2 && !args[2].startsWith("--") ? args[2] : "{}";
        int max = 0;
        List<String> rest = Arrays.asList(args);
        int maxAt = rest.indexOf("--max");
        if (maxAt >= 0 && maxAt + 1 < args.length) {
            max = Integer.parseInt(args[maxAt + 1]);
        }
        try {
            for (String response : invoke(service, method.get(), json, max, 30)) {
                out.println(response);
            }
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println(describe(e));
            return 1;
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    List<String> invoke(String service, Descriptors.MethodDescriptor method, String json, int max, long timeoutSeconds)
            throws Exception {
        try (RpcCaller caller = new RpcCaller(address(service), System.getenv("CAIRN_TOKEN"), catalog)) {
            return caller.call(method, json, max, timeoutSeconds);
        }
    }

    List<String> invoke(String service, String rpc, String json) throws Exception {
        return invoke(service, catalog.method(service, rpc).orElseThrow(), json, 0, 30);
    }

    static String address(String service) {
        String env = System.getenv("CAIRN_" + service.toUpperCase());
        return env != null && !env.isBlank() ? env : DEFAULT_ADDRESSES.get(service);
    }

    /** A gRPC failure as a person reads it: the code, the message and any field violations. */
    static String describe(StatusRuntimeException e) {
        StringBuilder b = new StringBuilder(e.getStatus().getCode().name());
        String description = e.getStatus().getDescription();
        if (description != null && description.startsWith("HTTP status code 401")) {
            b.append(": no valid bearer token (CAIRN_TOKEN, or ./cairn token)");
        } else if (description != null && description.startsWith("HTTP status code 403")) {
            b.append(": the token lacks the role this RPC requires (see the role table in README.md)");
        } else if (description != null) {
            b.append(": ").append(description);
        }
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
        if (details != null) {
            for (com.google.protobuf.Any any : details.getDetailsList()) {
                if (any.is(com.google.rpc.BadRequest.class)) {
                    try {
                        for (var v : any.unpack(com.google.rpc.BadRequest.class).getFieldViolationsList()) {
                            b.append("\n  ").append(v.getField()).append(": ").append(v.getDescription());
                        }
                    } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
                        // Details are a courtesy; the code and message above still stand.
                    }
                }
            }
        }
        return b.toString();
    }
}
