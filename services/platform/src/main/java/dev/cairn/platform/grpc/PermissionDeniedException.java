package dev.cairn.platform.grpc;

import java.util.Map;

/**
 * An authenticated caller holds the RPC's role but may not act on what the request names (ingest: a source its token
 * is not granted). Maps to PERMISSION_DENIED with this message, which says what was refused and why, and a
 * {@code google.rpc.ErrorInfo} carrying {@code reason} and {@code metadata}, so a client can tell this refusal from a
 * missing role without parsing text.
 *
 * @param reason UPPER_SNAKE_CASE, stable (e.g. {@code SOURCE_NOT_GRANTED})
 * @param metadata what the refusal is about (e.g. {@code source_id}); values are short
 */
public class PermissionDeniedException extends RuntimeException {

    /** The ErrorInfo domain of every Cairn refusal. */
    public static final String DOMAIN = "cairn.dev";

    private final String reason;
    private final Map<String, String> metadata;

    public PermissionDeniedException(String reason, Map<String, String> metadata, String message) {
        super(message);
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
    }

    public String reason() {
        return reason;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
