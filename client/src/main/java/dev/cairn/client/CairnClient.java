package dev.cairn.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/**
 * Cairn's gRPC APIs from a Java service: {@link #identity()}, {@link #consent()}, {@link #segments()} and
 * {@link #ingest()}, each bound to its endpoint. Build one per application and share it: it holds one
 * {@link ManagedChannel} per distinct endpoint (services behind one address share it), and channels are meant to live
 * as long as the application. {@link #close()} shuts them down.
 * <p>
 * Every call has a deadline ({@link Builder#deadline}, 2 s unless set) and carries the credentials given (usually
 * {@link OidcClientCredentials}). Reads, and ingest's writes (which ingest deduplicates by message id, so a repeated
 * batch is never counted twice), are retried by the channel according to a {@link RetryPolicy}; nothing else is.
 *
 * <pre>{@code
 * try (CairnClient cairn = CairnClient.builder()
 *         .identity("127.0.0.1:8082").consent("127.0.0.1:8083").segments("127.0.0.1:8084")
 *         .plaintext() // the local stack; TLS otherwise
 *         .credentials(OidcClientCredentials.of(URI.create("http://127.0.0.1:8180/realms/cairn"), "cairn-product", secret))
 *         .build()) {
 *     Resolution visitor = cairn.identity().resolve(Identifiers.of("anonymous_id", cookie));
 * }
 * }</pre>
 */
public final class CairnClient implements AutoCloseable {

    /** What a request-time call may take, retries included, unless the builder says otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);

    /**
     * The RPCs the channel retries. Reads are safe to repeat; IngestBatch too, because ingest deduplicates events by
     * message id (an event already accepted is answered DUPLICATE, never written twice).
     */
    static final List<MethodDescriptor<?, ?>> RETRIED = List.of(IdentityServiceGrpc.getResolveMethod(),
            IdentityServiceGrpc.getBatchResolveMethod(), ConsentServiceGrpc.getDecideMethod(),
            ConsentServiceGrpc.getGetConsentStateMethod(), SegmentsServiceGrpc.getIsMemberMethod(),
            SegmentsServiceGrpc.getListMembershipsMethod(), IngestServiceGrpc.getIngestBatchMethod());

    private final Map<String, ManagedChannel> channels;
    private final IdentityClient identity;
    private final ConsentClient consent;
    private final SegmentsClient segments;
    private final IngestClient ingest;

    private CairnClient(Builder b) {
        Map<String, ManagedChannel> byTarget = new LinkedHashMap<>();
        Calls calls = new Calls(b.credentials, b.deadline);
        identity = b.identity == null
                ? null
                : new IdentityClient(channel(byTarget, b, b.identity), calls);
        consent = b.consent == null ? null : new ConsentClient(channel(byTarget, b, b.consent), calls);
        segments = b.segments == null
                ? null
                : new SegmentsClient(channel(byTarget, b, b.segments), calls);
        ingest = b.ingest == null ? null : new IngestClient(channel(byTarget, b, b.ingest), calls);
        channels = Map.copyOf(byTarget);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** IdentityService: who a visitor is. */
    public IdentityClient identity() {
        return configured(identity, "identity");
    }

    /** ConsentService: what a subject allows. */
    public ConsentClient consent() {
        return configured(consent, "consent");
    }

    /** SegmentsService: which audiences a profile is in. */
    public SegmentsClient segments() {
        return configured(segments, "segments");
    }

    /** IngestService: events in. */
    public IngestClient ingest() {
        return configured(ingest, "ingest");
    }

    /** Stops accepting calls, lets calls in flight finish for up to five seconds, then cancels the rest. */
    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdown);
        try {
            for (ManagedChannel channel : channels.values()) {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            channels.values().forEach(ManagedChannel::shutdownNow);
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T configured(T facade, String service) {
        if (facade == null) {
            throw new IllegalStateException("no endpoint for " + service + ": set it with CairnClient.builder()."
                    + service + "(\"host:port\")");
        }
        return facade;
    }

    private static Channel channel(Map<String, ManagedChannel> byTarget, Builder b, String target) {
        ManagedChannel channel = byTarget.computeIfAbsent(target, t -> {
            ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(t)
                    .defaultServiceConfig(serviceConfig(b.retryPolicy)).enableRetry();
            if (b.plaintext) {
                builder.usePlaintext();
            }
            return builder.build();
        });
        return ClientInterceptors.intercept(channel, b.interceptors);
    }

    /** gRPC's service config: the retry policy for exactly the RPCs in {@link #RETRIED}. */
    static Map<String, Object> serviceConfig(RetryPolicy policy) {
        List<Map<String, Object>> names = new ArrayList<>();
        for (MethodDescriptor<?, ?> method : RETRIED) {
            names.add(Map.of("service", Objects.requireNonNull(method.getServiceName()), "method",
                    Objects.requireNonNull(method.getBareMethodName())));
        }
        return Map.of("methodConfig", List.of(Map.of("name", names, "retryPolicy", policy.asServiceConfig())));
    }

    /** How a facade makes a call: the credentials and the default deadline. */
    record Calls(CallCredentials credentials, Duration deadline) {

        <S extends io.grpc.stub.AbstractStub<S>> S prepare(S stub) {
            S withDeadline = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
            return credentials == null ? withDeadline : withDeadline.withCallCredentials(credentials);
        }
    }

    /** Endpoints as {@code host:port} (or any gRPC target, e.g. {@code dns:///identity.cairn:8082}). */
    public static final class Builder {

        private String identity;
        private String consent;
        private String segments;
        private String ingest;
        private boolean plaintext;
        private CallCredentials credentials;
        private Duration deadline = DEFAULT_DEADLINE;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private final List<ClientInterceptor> interceptors = new ArrayList<>();

        private Builder() {
        }

        public Builder identity(String target) {
            this.identity = target;
            return this;
        }

        public Builder consent(String target) {
            this.consent = target;
            return this;
        }

        public Builder segments(String target) {
            this.segments = target;
            return this;
        }

        public Builder ingest(String target) {
            this.ingest = target;
            return this;
        }

        /**
         * Cleartext HTTP/2 (h2c), as the local stack and the chart serve: anyone on the path reads the tokens. TLS is
         * the default.
         */
        public Builder plaintext() {
            this.plaintext = true;
            return this;
        }

        /** Sent with every call; {@link OidcClientCredentials} for a service calling as itself. */
        public Builder credentials(CallCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** The deadline of each call, retries included. */
        public Builder deadline(Duration deadline) {
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("the deadline must be positive, was " + deadline);
            }
            this.deadline = deadline;
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy);
            return this;
        }

        /**
         * Runs on every call (tracing, metrics), above the channel's retries: it sees one call however many attempts
         * are made. The last one added runs first, as with {@link ClientInterceptors#intercept}.
         */
        public Builder interceptor(ClientInterceptor interceptor) {
            interceptors.add(interceptor);
            return this;
        }

        public CairnClient build() {
            if (identity == null && consent == null && segments == null && ingest == null) {
                throw new IllegalStateException("no endpoint: set at least one of identity, consent, segments, ingest");
            }
            return new CairnClient(this);
        }
    }
}
