package dev.cairn.platform.auth;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The role check again, at gRPC dispatch, keyed on what gRPC actually invokes: the {@link io.grpc.MethodDescriptor}'s
 * full name, looked up in the same {@link RpcRoles} table as {@link RpcRolePolicy}. The HTTP policy decides before
 * gRPC sees the request; this interceptor makes the decision hold even if a future Quarkus or Vert.x routes a request
 * to gRPC by something the policy did not anticipate. It runs right after quarkus-grpc's own security interceptor,
 * which associates the identity the HTTP layer authenticated with the call.
 * <p>
 * The identity is read without waiting: on this server HTTP authentication is proactive and the policy above has
 * already awaited it, so it is known when the call starts. If it were not (the request skipped HTTP security), the
 * call is refused UNAUTHENTICATED rather than blocking the event loop or letting it through.
 */
@GlobalInterceptor
@ApplicationScoped
public class RpcRoleInterceptor implements ServerInterceptor, Prioritized {

    /** Just below quarkus-grpc's GrpcSecurityInterceptor (MAX_VALUE - 100): interceptors of higher priority run first. */
    static final int PRIORITY = Integer.MAX_VALUE - 110;
    private static final Logger LOG = Logger.getLogger(RpcRoleInterceptor.class);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    RpcRoles roles;

    @Inject
    CallerIdentity caller;

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (RpcRoles.isExempt(method)) {
            return next.startCall(call, headers);
        }
        Iterable<String> authorizations = headers.getAll(AUTHORIZATION);
        Status refusal = authorizations != null && countOf(authorizations) > 1
                ? Status.UNAUTHENTICATED.withDescription("more than one authorization header")
                : refusal(method, caller.known());
        if (refusal == null) {
            return next.startCall(call, headers);
        }
        call.close(refusal, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /** Why the call is refused, or null when the identity holds the method's role. */
    Status refusal(String method, Optional<SecurityIdentity> identity) {
        Optional<String> role = roles.serves(method) ? roles.roleFor(method) : Optional.empty();
        if (role.isEmpty()) {
            LOG.warnf("refused %s at dispatch: not in the role table or declares no required_role", method);
            return Status.PERMISSION_DENIED.withDescription("no role grants " + method);
        }
        if (identity.isEmpty() || identity.get().isAnonymous()) {
            if (identity.isEmpty()) {
                LOG.warnf("refused %s at dispatch: no authenticated identity was established before the call", method);
            }
            return Status.UNAUTHENTICATED.withDescription("a bearer token is required");
        }
        if (!identity.get().hasRole(role.get())) {
            return Status.PERMISSION_DENIED.withDescription(method + " requires the role " + role.get());
        }
        return null;
    }

    private static int countOf(Iterable<String> values) {
        int n = 0;
        for (String ignored : values) {
            n++;
        }
        return n;
    }
}
