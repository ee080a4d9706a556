package dev.cairn.platform.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an HTTP request must prove before it may pass to gRPC on the shared HTTP server, decided from its path alone.
 * <p>
 * Why the path and nothing else: gRPC on the shared server (quarkus-grpc over vertx-grpc) dispatches on the raw
 * request path, {@code request.path().substring(1)} looked up exactly among the served methods; whether a request is
 * handed to gRPC at all depends on its content-type, which Quarkus compares case-insensitively and which a client
 * chooses freely. A rule keyed on the content-type therefore let {@code Application/grpc} through unchecked. Here
 * the raw path (what gRPC routes on) and the normalized path (what the HTTP permission matcher sees) are both read
 * as method names, and a request naming a served method by either needs that method's role, however it is framed.
 * The gRPC interceptor {@link RpcRoleInterceptor} checks the same table again at dispatch.
 */
public final class RpcAccess {

    /** What the caller must be. */
    public enum Kind {
        /** Not an RPC: plain HTTP (the Segment-compatible API), which authenticates by its own means. */
        NOT_AN_RPC,
        /** gRPC health or reflection: open to anyone, probes and tooling depend on them. */
        OPEN,
        /** An RPC name this server does not serve: any authenticated caller (who then gets UNIMPLEMENTED). */
        AUTHENTICATED,
        /** A served RPC: an authenticated caller holding every role in {@link Requirement#roles()}. */
        ROLES,
        /** A served RPC that declares no role: nobody (deny by default). */
        NOBODY
    }

    /** The decision for one request; {@code roles} is non-empty exactly for {@link Kind#ROLES}. */
    public record Requirement(Kind kind, Set<String> roles, Set<String> methods) {
    }

    private RpcAccess() {
    }

    /**
     * Decides for a request with the given raw and normalized paths; {@code contentTypes} are all its content-type
     * values. Framing only ever adds a requirement (an anonymous gRPC-framed request to an unknown path is refused);
     * it never removes one.
     */
    public static Requirement decide(RpcRoles table, String rawPath, String normalizedPath,
            List<String> contentTypes) {
        Set<String> names = new LinkedHashSet<>();
        methodName(rawPath).ifPresent(names::add);
        methodName(normalizedPath).ifPresent(names::add);
        // A reader that percent-decodes everything (a proxy, a future router) would see this one.
        methodName(decoded(rawPath)).ifPresent(names::add);

        Set<String> served = new TreeSet<>();
        Set<String> roles = new TreeSet<>();
        boolean roleless = false;
        for (String name : names) {
            if (table.serves(name) && !RpcRoles.isExempt(name)) {
                served.add(name);
                Optional<String> role = table.roleFor(name);
                role.ifPresent(roles::add);
                roleless |= role.isEmpty();
            }
        }
        if (roleless) {
            return new Requirement(Kind.NOBODY, Set.of(), served);
        }
        if (!served.isEmpty()) {
            return new Requirement(Kind.ROLES, roles, served);
        }
        if (!names.isEmpty() && names.stream().allMatch(RpcRoles::isExempt)) {
            return new Requirement(Kind.OPEN, Set.of(), names);
        }
        if (framedAsGrpc(contentTypes) || names.stream().anyMatch(RpcAccess::inRpcNamespace)) {
            return new Requirement(Kind.AUTHENTICATED, Set.of(), names);
        }
        return new Requirement(Kind.NOT_AN_RPC, Set.of(), Set.of());
    }

    /** The method a path names to gRPC: what vertx-grpc's {@code GrpcMethodCall} takes, the path minus its first character. */
    static Optional<String> methodName(String path) {
        return path == null || path.isEmpty() ? Optional.empty() : Optional.of(path.substring(1));
    }

    /**
     * Whether the name lies where gRPC services live, {@code package.Service/...}: a first segment (leading slashes
     * ignored) with a dot, followed by anything. The Segment API's {@code /v1/...} does not; every Cairn service
     * is in a package.
     */
    static boolean inRpcNamespace(String name) {
        String trimmed = name.replaceFirst("^/+", "");
        int slash = trimmed.indexOf('/');
        return slash > 0 && trimmed.substring(0, slash).indexOf('.') > 0;
    }

    /** The path with every percent-escape decoded ({@code %2F} too), or null if it has a malformed escape. */
    static String decoded(String path) {
        if (path == null || path.indexOf('%') < 0) {
            return path;
        }
        try {
            return URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Any content-type Quarkus would hand to gRPC (it lower-cases before comparing). */
    static boolean framedAsGrpc(List<String> contentTypes) {
        return contentTypes.stream().anyMatch(
                type -> type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("application/grpc"));
    }
}
