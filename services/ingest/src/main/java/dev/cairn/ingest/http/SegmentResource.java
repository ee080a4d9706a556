package dev.cairn.ingest.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.smallrye.mutiny.Uni;

import dev.cairn.ingest.http.SegmentEventReader.Endpoint;
import dev.cairn.ingest.service.EventIngestor;
import dev.cairn.ingest.service.IngestRequest;
import dev.cairn.ingest.service.SourceGrants;

/**
 * The Segment HTTP Tracking API, so that Segment and RudderStack SDKs send to Cairn unchanged. A thin
 * adapter: {@link SegmentEventReader} reads the body, {@link EventIngestor} does the rest, and
 * {@link SegmentAnswers} turns the outcome into the status codes SDKs act on — 200 only once every accepted event is durably in
 * Kafka; 400/413 (the SDK drops the batch) only for faults resending cannot fix; 429/503 with Retry-After
 * (the SDK resends the batch, which deduplication makes safe) whenever any event is not accounted for.
 * <p>
 * The body is taken as raw bytes whatever its content type (analytics.js sends text/plain to avoid a CORS
 * preflight; RudderStack's node SDK labels gzip as form data), so that gzip and the limits are ours.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class SegmentResource {

    static final String TRANSPORT = "http";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final EventIngestor ingestor;
    private final WriteKeys writeKeys;
    private final HttpIngestConfig config;
    private final SegmentEventReader reader;

    @Inject
    public SegmentResource(EventIngestor ingestor, WriteKeys writeKeys, HttpIngestConfig config) {
        this.ingestor = ingestor;
        this.writeKeys = writeKeys;
        this.config = config;
        this.reader = SegmentEventReader.of(config);
    }

    @POST
    @Path("{endpoint}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> ingest(@PathParam("endpoint") String endpointName, byte[] body,
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("Content-Encoding") String contentEncoding,
            @HeaderParam("Sec-GPC") String globalPrivacyControl) {
        Optional<Endpoint> endpoint = Endpoint.named(endpointName);
        if (endpoint.isEmpty()) {
            return Uni.createFrom().item(SegmentAnswers.error(404, "unknown_endpoint", "no endpoint /v1/" + endpointName
                    + "; use track, identify, page, screen, group, alias, batch or import"));
        }
        Optional<String> basicUser = basicAuthUser(authorization);
        if (basicUser.isPresent() && writeKeys.sourceOf(basicUser.get()).isEmpty()) {
            // Refused before the body is even decompressed: unknown callers get no work done for them.
            return Uni.createFrom().item(unknownWriteKey());
        }
        SegmentRequest request;
        try {
            request = reader.read(reader.decode(body, contentEncoding), endpoint.get());
        } catch (RequestFault fault) {
            return Uni.createFrom().item(SegmentAnswers.error(fault.status(), fault.error(), fault.reason()));
        }
        Optional<String> source = basicUser.or(request::writeKey).flatMap(writeKeys::sourceOf);
        if (source.isEmpty()) {
            return Uni.createFrom().item(unknownWriteKey());
        }
        // The write key is the grant: it names one source, and nothing in the body can name another.
        IngestRequest ingest = new IngestRequest(source.get(), request.items(), request.sentAt(),
                globalPrivacyControl != null && globalPrivacyControl.trim().equals("1"), TRANSPORT,
                SourceGrants.ofWriteKey(source.get()));
        return Uni.createFrom().deferred(() -> ingestor.ingest(ingest))
                .onItem().transform(SegmentAnswers::answer)
                .onFailure()
                .recoverWithItem(failure -> SegmentAnswers.failure(failure, config.unavailableRetryAfter()));
    }

    /** Deeper paths under /v1 ({@code /v1/batch/extra}) are no endpoint either; without this, 405 and no body. */
    @POST
    @Path("{endpoint}/{rest: .+}")
    @Consumes(MediaType.WILDCARD)
    public Response unknown(@PathParam("endpoint") String endpointName, @PathParam("rest") String rest) {
        return SegmentAnswers.error(404, "unknown_endpoint", "no endpoint /v1/" + endpointName + "/..."
                + "; use track, identify, page, screen, group, alias, batch or import");
    }

    /**
     * The settings analytics.js loads before it sends anything (its {@code cdnURL} pointed at Cairn): they
     * tell it to send every call to this server, with no other integration.
     */
    @GET
    @Path("projects/{writeKey}/settings")
    public Response settings(@PathParam("writeKey") String writeKey, @Context UriInfo uri) {
        if (writeKeys.sourceOf(writeKey).isEmpty()) {
            return SegmentAnswers.error(404, "unknown_write_key", "no project has this write key");
        }
        String authority = uri.getBaseUri().getRawAuthority();
        ObjectNode segment = JSON.objectNode().put("apiKey", writeKey).put("apiHost", authority + "/v1")
                .put("protocol", uri.getBaseUri().getScheme());
        ObjectNode settings = JSON.objectNode();
        settings.putObject("integrations").set("Segment.io", segment);
        settings.putObject("plan").putObject("track");
        return Response.ok(settings).build();
    }

    /** CORS preflight of browser SDKs; {@link SegmentCors} adds the headers. */
    @OPTIONS
    @Path("{any: .*}")
    public Response preflight() {
        return Response.noContent().build();
    }

    /** The user of {@code Authorization: Basic base64(writeKey:)}; anything else is no write key. */
    static Optional<String> basicAuthUser(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            String user = colon < 0 ? decoded : decoded.substring(0, colon);
            return user.isEmpty() ? Optional.empty() : Optional.of(user);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Response unknownWriteKey() {
        return SegmentAnswers.error(401, "invalid_write_key",
                "unknown or missing write key: send it as the basic-auth user (empty password) or as writeKey");
    }

}
