package dev.cairn.platform.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.grpc.BindableService;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Authorizes every gRPC call on the shared HTTP server before it reaches a service: the caller's
 * verified bearer token must carry the role that the RPC declares in proto/ (see {@link RpcRoles}).
 * A served RPC that declares no role is refused (deny by default); a method this server does not serve is
 * left to gRPC's UNIMPLEMENTED for authenticated callers; gRPC health and reflection are open. An anonymous caller
 * is answered 401 (UNAUTHENTICATED to gRPC clients), a caller without the role 403 (PERMISSION_DENIED).
 * Plain HTTP routes (the Segment-compatible API) pass here and authenticate with write keys.
 */
@ApplicationScoped
public class RpcRolePolicy implements HttpSecurityPolicy {

    public static final String NAME = "cairn-rpc-roles";
    private static final Logger LOG = Logger.getLogger(RpcRolePolicy.class);

    @Inject
    @Any
    Instance<BindableService> services;

    private volatile RpcRoles roles;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        String contentType = request.request().getHeader("content-type");
        boolean grpc = contentType != null && contentType.startsWith("application/grpc");
        if (!grpc) {
            return CheckResult.permit();
        }
        String method = request.normalizedPath().startsWith("/")
                ? request.normalizedPath().substring(1)
                : request.normalizedPath();
        if (RpcRoles.isExempt(method)) {
            return CheckResult.permit();
        }
        RpcRoles table = roles();
        if (!table.serves(method)) {
            // Not served here: an authenticated caller learns so from gRPC (UNIMPLEMENTED); anyone else is refused.
            return identity.map(id -> id.isAnonymous() ? CheckResult.DENY : CheckResult.PERMIT);
        }
        var required = table.roleFor(method);
        if (required.isEmpty()) {
            LOG.warnf("refused %s: the RPC declares no (cairn.options.v1.required_role)", method);
            return CheckResult.deny();
        }
        String role = required.get();
        return identity.map(id -> !id.isAnonymous() && id.hasRole(role) ? CheckResult.PERMIT : CheckResult.DENY);
    }

    private RpcRoles roles() {
        RpcRoles current = roles;
        if (current == null) {
            current = RpcRoles.of(services);
            roles = current;
            LOG.debugf("RPC roles: %s", current.table());
        }
        return current;
    }
}
