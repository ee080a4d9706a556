package dev.cairn.delivery.plan;

import java.util.List;

/** The delivery blocks of a contract file are invalid: every problem, each with its path in the file. */
public final class InvalidDeliveryPlanException extends RuntimeException {

    private final List<String> problems;

    public InvalidDeliveryPlanException(String file, List<String> problems) {
        super("invalid delivery plan in " + file + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
