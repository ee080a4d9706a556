package dev.cairn.cli;

/**
 * A command could not do its work for a reason the person at the terminal can act on (Keycloak down, a secret
 * missing): printed as one line, exit status 1, no stack trace.
 */
final class CommandFailure extends RuntimeException {

    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
