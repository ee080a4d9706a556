package dev.cairn.cli;

import java.util.HashMap;
import java.util.Map;

import picocli.CommandLine.Option;

/**
 * Where each service listens: env CAIRN_INGEST, CAIRN_IDENTITY, CAIRN_CONSENT, CAIRN_SEGMENTS (host:port; ./cairn sets
 * them from its ports), overridden by {@code --address service=host:port}, else the default local ports.
 */
final class Endpoints {

    static final Map<String, String> DEFAULT_ADDRESSES = Map.of("ingest", "127.0.0.1:8081", "identity",
            "127.0.0.1:8082", "consent", "127.0.0.1:8083", "segments", "127.0.0.1:8084");

    @Option(names = "--address", paramLabel = "<service>=<host:port>", description = "where a service listens, instead of env CAIRN_<SERVICE> (repeatable)")
    Map<String, String> addresses = new HashMap<>();

    String address(String service) {
        String given = addresses.get(service);
        if (given != null) {
            return given;
        }
        String env = System.getenv("CAIRN_" + service.toUpperCase());
        return env != null && !env.isBlank() ? env : DEFAULT_ADDRESSES.get(service);
    }
}
