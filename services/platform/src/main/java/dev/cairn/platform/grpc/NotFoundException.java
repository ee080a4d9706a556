package dev.cairn.platform.grpc;

/** The thing asked for does not exist (an unknown profile, request or segment); maps to NOT_FOUND. */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
