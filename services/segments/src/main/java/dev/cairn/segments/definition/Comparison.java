package dev.cairn.segments.definition;

import java.util.List;

/**
 * A comparison of a value with constants from the definition. Numbers compare exactly (BigDecimal), strings
 * and booleans by equality; ordering operators need numbers on both sides. A missing value satisfies only
 * {@code exists: false} and {@code ne}.
 */
public record Comparison(Operator operator, List<Scalar> operands) {

    public enum Operator {
        EQ("eq"), NE("ne"), GT("gt"), GTE("gte"), LT("lt"), LTE("lte"), IN("in"), EXISTS("exists");

        public final String yamlName;

        Operator(String yamlName) {
            this.yamlName = yamlName;
        }
    }

    public boolean test(Scalar value) {
        if (operator == Operator.EXISTS) {
            return (value != null) == operands.get(0).asBoolean();
        }
        if (value == null) {
            return operator == Operator.NE;
        }
        Scalar operand = operands.get(0);
        return switch (operator) {
            case EQ -> value.sameAs(operand);
            case NE -> !value.sameAs(operand);
            case IN -> operands.stream().anyMatch(value::sameAs);
            case GT -> value.isNumber() && value.number().compareTo(operand.number()) > 0;
            case GTE -> value.isNumber() && value.number().compareTo(operand.number()) >= 0;
            case LT -> value.isNumber() && value.number().compareTo(operand.number()) < 0;
            case LTE -> value.isNumber() && value.number().compareTo(operand.number()) <= 0;
            case EXISTS -> throw new IllegalStateException();
        };
    }
}
