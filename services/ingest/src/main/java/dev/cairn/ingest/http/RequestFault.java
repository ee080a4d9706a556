package dev.cairn.ingest.http;

/**
 * The request as a whole is unacceptable (malformed JSON, too large, too many events, ...): nothing of it
 * is ingested, and the client is told why. SDKs drop a batch answered 400/413 and retry on 429/5xx, so
 * only faults that resending cannot fix are request faults; everything wrong with one event is an item
 * fault instead.
 *
 * @param status the HTTP status
 * @param error a stable, machine-readable code ({@code malformed_json}, {@code request_too_large}, ...)
 */
public class RequestFault extends Exception {

    private final int status;
    private final String error;

    public RequestFault(int status, String error, String reason) {
        super(reason, null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String reason() {
        return getMessage();
    }
}
