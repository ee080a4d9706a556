package dev.cairn.platform.contracts;

import java.util.List;

/**
 * A contract file that cannot be loaded. Services refuse to start on one: running without the reviewed
 * governance rules would let ungoverned data through.
 */
public class ContractViolationException extends RuntimeException {

    private final List<String> problems;

    public ContractViolationException(String file, List<String> problems) {
        super("invalid contract " + file + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
