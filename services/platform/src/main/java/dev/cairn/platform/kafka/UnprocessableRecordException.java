package dev.cairn.platform.kafka;

/**
 * Thrown by a consumer that knows a record can never be processed (retrying cannot help), so that
 * {@link DeadLetters} sets it aside at once with this reason instead of trying it again.
 */
public class UnprocessableRecordException extends RuntimeException {

    private final DeadLetterReason reason;

    public UnprocessableRecordException(DeadLetterReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public UnprocessableRecordException(DeadLetterReason reason, String message) {
        this(reason, message, null);
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
