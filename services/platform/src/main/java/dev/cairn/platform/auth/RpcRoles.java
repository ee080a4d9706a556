package dev.cairn.platform.auth;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.google.protobuf.Descriptors;
import com.google.protobuf.UnknownFieldSet;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;

/**
 * The role each RPC requires, read from the {@code (cairn.options.v1.required_role)} option that every rpc
 * in proto/ declares. The protos are the one table of roles; an RPC without the option maps to no role
 * and is therefore refused (deny by default).
 */
public final class RpcRoles {

    static final String OPTION = "cairn.options.v1.required_role";
    static final int OPTION_NUMBER = 50001;

    /** Always callable without a token: Kubernetes probes and tooling depend on them. */
    private static final String[] EXEMPT_SERVICES = {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"};

    private final Map<String, String> roleByMethod;
    private final java.util.Set<String> servedMethods;

    private RpcRoles(Map<String, String> roleByMethod, java.util.Set<String> servedMethods) {
        this.roleByMethod = Map.copyOf(roleByMethod);
        this.servedMethods = java.util.Set.copyOf(servedMethods);
    }

    public static RpcRoles of(Iterable<? extends BindableService> services) {
        Map<String, String> roles = new TreeMap<>();
        java.util.Set<String> served = new java.util.HashSet<>();
        for (BindableService service : services) {
            ServerServiceDefinition definition = service.bindService();
            Object schema = definition.getServiceDescriptor().getSchemaDescriptor();
            if (!(schema instanceof ProtoServiceDescriptorSupplier supplier)) {
                continue;
            }
            for (Descriptors.MethodDescriptor method : supplier.getServiceDescriptor().getMethods()) {
                served.add(method.getService().getFullName() + "/" + method.getName());
                requiredRole(method)
                        .ifPresent(role -> roles.put(method.getService().getFullName() + "/" + method.getName(),
                                role));
            }
        }
        return new RpcRoles(roles, served);
    }

    /** A table given directly: for tests of the decisions made from it. */
    static RpcRoles of(Map<String, String> roleByMethod, java.util.Set<String> servedMethods) {
        return new RpcRoles(roleByMethod, servedMethods);
    }

    static Optional<String> requiredRole(Descriptors.MethodDescriptor method) {
        for (Map.Entry<Descriptors.FieldDescriptor, Object> option : method.getOptions().getAllFields().entrySet()) {
            if (OPTION.equals(option.getKey().getFullName())) {
                return Optional.of(option.getValue().toString()).filter(r -> !r.isBlank());
            }
        }
        // The option is in the descriptor even where its extension class was not registered.
        UnknownFieldSet.Field raw = method.getOptions().getUnknownFields().getField(OPTION_NUMBER);
        if (raw != null && !raw.getLengthDelimitedList().isEmpty()) {
            return Optional.of(raw.getLengthDelimitedList().get(0).toStringUtf8()).filter(r -> !r.isBlank());
        }
        return Optional.empty();
    }

    /** The role for a full method name such as {@code cairn.identity.v1.IdentityService/Resolve}. */
    public Optional<String> roleFor(String fullMethodName) {
        return Optional.ofNullable(roleByMethod.get(fullMethodName));
    }

    /** Whether this server serves the method at all (an unknown one gets UNIMPLEMENTED from gRPC itself). */
    public boolean serves(String fullMethodName) {
        return servedMethods.contains(fullMethodName);
    }

    /**
     * Whether the name is exactly {@code <exempt service>/<method>}: a prefix match would also call
     * {@code grpc.health.v1.Health/../../cairn...} exempt.
     */
    public static boolean isExempt(String fullMethodName) {
        int slash = fullMethodName.indexOf('/');
        if (slash < 0 || slash == fullMethodName.length() - 1 || fullMethodName.indexOf('/', slash + 1) >= 0) {
            return false;
        }
        String service = fullMethodName.substring(0, slash);
        for (String exempt : EXEMPT_SERVICES) {
            if (exempt.equals(service)) {
                return true;
            }
        }
        return false;
    }

    public Map<String, String> table() {
        return roleByMethod;
    }

    /**
     * The one table of this server, read from its gRPC services once, shared by {@link RpcRolePolicy} (before gRPC)
     * and {@link RpcRoleInterceptor} (at dispatch).
     */
    @Singleton
    public static class Producer {

        private static final Logger LOG = Logger.getLogger(RpcRoles.class);

        @Produces
        @Singleton
        RpcRoles rpcRoles(@Any Instance<BindableService> services) {
            RpcRoles roles = RpcRoles.of(services);
            LOG.debugf("RPC roles: %s", roles.table());
            return roles;
        }
    }
}
