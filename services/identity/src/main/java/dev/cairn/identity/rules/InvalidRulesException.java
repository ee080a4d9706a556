package dev.cairn.identity.rules;

import java.util.List;

/** contracts/identity/rules.yaml is wrong; identity refuses to start rather than link by guesswork. */
public class InvalidRulesException extends RuntimeException {

    private final List<String> problems;

    public InvalidRulesException(String source, List<String> problems) {
        super("invalid identity rules in " + source + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
