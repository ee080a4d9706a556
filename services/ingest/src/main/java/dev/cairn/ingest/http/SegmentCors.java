package dev.cairn.ingest.http;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * CORS for browser SDKs on the Segment API only: any origin may send events (a write key is public in a
 * web page anyway; it identifies a source, it does not authorize reads), and no credentials are needed,
 * so the origin is echoed and cookies are never allowed.
 */
public class SegmentCors {

    static final String ALLOWED_HEADERS = "Authorization, Content-Type, Content-Encoding";
    static final String ALLOWED_METHODS = "GET, POST, OPTIONS";

    @ServerResponseFilter
    public void addCorsHeaders(ContainerRequestContext request, ContainerResponseContext response) {
        String origin = request.getHeaderString("Origin");
        String path = request.getUriInfo().getPath();
        if (origin == null || !(path.startsWith("/v1/") || path.startsWith("v1/"))) {
            return;
        }
        MultivaluedMap<String, Object> headers = response.getHeaders();
        headers.putSingle("Access-Control-Allow-Origin", origin);
        headers.add("Vary", "Origin");
        headers.putSingle("Access-Control-Expose-Headers", "Retry-After");
        if ("OPTIONS".equals(request.getMethod())) {
            headers.putSingle("Access-Control-Allow-Methods", ALLOWED_METHODS);
            headers.putSingle("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            // Browsers cache the preflight for a day (Chrome caps it at 2 hours), sparing a round trip per batch.
            headers.putSingle("Access-Control-Max-Age", "86400");
        }
    }
}
