package dev.cairn.platform.grpc;

import java.util.List;

/** The request itself is wrong; maps to INVALID_ARGUMENT with one field violation per problem. */
public class InvalidRequestException extends RuntimeException {

    private final List<FieldViolation> violations;

    public InvalidRequestException(List<FieldViolation> violations) {
        super(summary(violations));
        this.violations = List.copyOf(violations);
    }

    public InvalidRequestException(String field, String description) {
        this(List.of(new FieldViolation(field, description)));
    }

    public List<FieldViolation> violations() {
        return violations;
    }

    private static String summary(List<FieldViolation> violations) {
        StringBuilder b = new StringBuilder("invalid request");
        for (FieldViolation v : violations) {
            b.append("; ").append(v.field()).append(": ").append(v.description());
        }
        return b.toString();
    }
}
