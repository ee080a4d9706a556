package dev.cairn.platform.grpc;

/**
 * One bad field of a request: the path as the caller wrote it (e.g. {@code events[3].message_id}) and what
 * is wrong with it, in words the caller can act on.
 */
public record FieldViolation(String field, String description) {
}
