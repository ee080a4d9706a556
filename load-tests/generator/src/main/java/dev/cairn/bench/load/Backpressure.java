package dev.cairn.bench.load;

/**
 * A call's answer asked the client to retry later (RESOURCE_EXHAUSTED, an event outcome RETRY, HTTP 429 or
 * 503): counted as back-pressure, apart from errors, since a service shedding load is behaving correctly.
 */
public final class Backpressure extends RuntimeException {

    public Backpressure(String message) {
        super(message, null, false, false);
    }
}
