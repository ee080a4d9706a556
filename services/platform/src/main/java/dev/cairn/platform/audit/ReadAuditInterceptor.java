package dev.cairn.platform.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.security.identity.SecurityIdentity;

import dev.cairn.platform.auth.CallerIdentity;

/**
 * Records every successful call of a service's {@link AuditedReads} methods, so that each gRPC adapter stays a thin
 * translation and no read can be added without its audit by forgetting a line: the methods and which fields name
 * their subjects are declared once per service. A read is recorded after its answer was sent with status OK (a
 * refused or failed call returned no data), with the caller's token subject and client, read without waiting
 * ({@link CallerIdentity}), and the {@code cairn-purpose} header. Recording only hands the read to
 * {@link ReadAuditRecorder}'s bounded buffer: it never blocks, and a failure to describe or record a read is counted,
 * never turned into a failed call.
 */
@GlobalInterceptor
@ApplicationScoped
public class ReadAuditInterceptor implements ServerInterceptor, Prioritized {

    /**
     * The request header in which a caller says why it reads (e.g. {@code personalization}); declared in
     * proto/cairn/consent/v1/consent_service.proto.
     */
    public static final Metadata.Key<String> PURPOSE = Metadata.Key.of("cairn-purpose",
            Metadata.ASCII_STRING_MARSHALLER);
    /** A read the service's description could not describe (a bug): counted like a drop. */
    static final String UNDESCRIBED = "undescribed";
    /**
     * Below RpcRoleInterceptor (MAX_VALUE - 110; higher runs first): a call refused there never reaches this one.
     */
    static final int PRIORITY = Integer.MAX_VALUE - 120;
    private static final int MAX_PURPOSE_LENGTH = 64;
    private static final Logger LOG = Logger.getLogger(ReadAuditInterceptor.class);

    @Inject
    Instance<AuditedReads> declared;

    @Inject
    ReadAuditRecorder recorder;

    @Inject
    CallerIdentity caller;

    private String service;
    private Map<String, AuditedRead<?, ?>> reads = Map.of();

    @PostConstruct
    void init() {
        if (declared.isResolvable()) {
            service = declared.get().service();
            reads = Map.copyOf(declared.get().reads());
        }
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        @SuppressWarnings("unchecked")
        AuditedRead<Q, R> read = (AuditedRead<Q, R>) reads.get(method);
        if (read == null || !recorder.recording()) {
            return next.startCall(call, headers);
        }
        Optional<SecurityIdentity> who = caller.known();
        Optional<String> purpose = purpose(headers.get(PURPOSE));
        Exchange<Q, R> exchange = new Exchange<>();
        ServerCall<Q, R> watched = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                exchange.response = message;
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                super.close(status, trailers);
                if (status.isOk() && exchange.request != null && exchange.response != null) {
                    record(method, read, exchange.request, exchange.response, who, purpose);
                }
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(watched, headers)) {
            @Override
            public void onMessage(Q message) {
                exchange.request = message;
                super.onMessage(message);
            }
        };
    }

    private <Q, R> void record(String method, AuditedRead<Q, R> read, Q request, R response,
            Optional<SecurityIdentity> who, Optional<String> purpose) {
        try {
            List<ReadSubject> subjects = read.subjects().apply(request, response);
            if (subjects.isEmpty()) {
                return;
            }
            Optional<JsonWebToken> token = who.map(SecurityIdentity::getPrincipal)
                    .filter(JsonWebToken.class::isInstance).map(JsonWebToken.class::cast);
            String subject = token.map(JsonWebToken::getSubject)
                    .or(() -> who.filter(i -> !i.isAnonymous()).map(i -> i.getPrincipal().getName())).orElse("");
            String client = token.map(t -> claim(t, "azp")).filter(c -> !c.isEmpty())
                    .or(() -> token.map(t -> claim(t, "client_id"))).orElse("");
            recorder.record(new PendingRead(service, method, read.action(), subject, client, Instant.now(),
                    List.copyOf(subjects), purpose, read.dataKinds()));
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not describe a read of %s for the audit", method);
            recorder.dropped(UNDESCRIBED, 1);
        }
    }

    private static String claim(JsonWebToken token, String name) {
        Object value = token.getClaim(name);
        return value == null ? "" : value.toString();
    }

    /** A caller's stated purpose, bounded: it is the caller's word, recorded, not a way to fill the audit table. */
    static Optional<String> purpose(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String p = header.strip();
        return Optional.of(p.length() > MAX_PURPOSE_LENGTH ? p.substring(0, MAX_PURPOSE_LENGTH) : p);
    }

    /** The one request and one answer of a unary call. */
    private static final class Exchange<Q, R> {
        volatile Q request;
        volatile R response;
    }
}
