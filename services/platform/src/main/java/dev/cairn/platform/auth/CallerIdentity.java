package dev.cairn.platform.auth;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The identity of the gRPC call being served, read without waiting. On this server HTTP authentication is proactive
 * and {@link RpcRolePolicy} has already awaited it, so the identity is known when a call starts; if it is not (the
 * request skipped HTTP security, or the identity failed), the answer is empty, never a blocked event loop. Callers
 * treat empty as "no credentials": {@link RpcRoleInterceptor} refuses the call, a service grants nothing.
 */
@ApplicationScoped
public class CallerIdentity {

    private static final Logger LOG = Logger.getLogger(CallerIdentity.class);

    @Inject
    CurrentIdentityAssociation identities;

    /** The call's identity if it is already established (empty if it is still being established or failed). */
    public Optional<SecurityIdentity> known() {
        AtomicReference<SecurityIdentity> known = new AtomicReference<>();
        try {
            identities.getDeferredIdentity().subscribe().with(known::set, failure -> {
            });
        } catch (RuntimeException e) {
            LOG.debugf(e, "no identity for the call");
        }
        return Optional.ofNullable(known.get());
    }
}
