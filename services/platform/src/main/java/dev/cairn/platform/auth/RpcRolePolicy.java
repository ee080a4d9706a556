package dev.cairn.platform.auth;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Authorizes every request to the shared HTTP server before it can reach gRPC: a request whose path names a served
 * RPC, by the raw path gRPC dispatches on or by the normalized one, needs the role that RPC declares in proto/ (see
 * {@link RpcRoles}), whatever its content-type, headers or HTTP version (see {@link RpcAccess} for why the path alone
 * decides). A served RPC that declares no role is refused (deny by default); an RPC name this server does not serve
 * is left to gRPC's UNIMPLEMENTED for authenticated callers; gRPC health and reflection are open. An anonymous caller
 * is answered 401 (UNAUTHENTICATED to gRPC clients), a caller without the role 403 (PERMISSION_DENIED); a request
 * with more than one authorization header is refused wherever it goes. Other paths
 * (the Segment-compatible API) pass here and authenticate with write keys. {@link RpcRoleInterceptor} checks again
 * at gRPC dispatch.
 */
@ApplicationScoped
public class RpcRolePolicy implements HttpSecurityPolicy {

    public static final String NAME = "cairn-rpc-roles";
    private static final Logger LOG = Logger.getLogger(RpcRolePolicy.class);

    @Inject
    RpcRoles roles;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        if (request.request().headers().getAll("authorization").size() > 1) {
            // Ambiguous credentials: quarkus-oidc reads the first header, a proxy in front may have checked another.
            return CheckResult.deny();
        }
        List<String> contentTypes = request.request().headers().getAll("content-type");
        RpcAccess.Requirement required = RpcAccess.decide(roles, request.request().path(), request.normalizedPath(),
                contentTypes);
        return switch (required.kind()) {
            case NOT_AN_RPC, OPEN -> CheckResult.permit();
            case NOBODY -> {
                LOG.warnf("refused %s: the RPC declares no (cairn.options.v1.required_role)", required.methods());
                yield CheckResult.deny();
            }
            case AUTHENTICATED -> identity.map(id -> id.isAnonymous() ? CheckResult.DENY : CheckResult.PERMIT);
            case ROLES -> identity.map(id -> !id.isAnonymous() && required.roles().stream().allMatch(id::hasRole)
                    ? CheckResult.PERMIT
                    : CheckResult.DENY);
        };
    }
}
