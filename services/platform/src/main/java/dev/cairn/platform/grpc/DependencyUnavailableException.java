package dev.cairn.platform.grpc;

/**
 * A dependency (Kafka, Redis, PostgreSQL) did not answer in time. Maps to UNAVAILABLE so that clients
 * retry with backoff; the request was not (or not fully) applied.
 */
public class DependencyUnavailableException extends RuntimeException {

    private final String dependency;

    public DependencyUnavailableException(String dependency, String message, Throwable cause) {
        super(dependency + " unavailable: " + message, cause);
        this.dependency = dependency;
    }

    public String dependency() {
        return dependency;
    }
}
