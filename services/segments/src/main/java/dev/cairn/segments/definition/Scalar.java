package dev.cairn.segments.definition;

import java.math.BigDecimal;
import java.math.BigInteger;

import dev.cairn.proto.events.v1.Value;

/**
 * A comparable value: a number (exact, BigDecimal), a string or a boolean. Lists, maps and JSON null are not
 * comparable and behave as missing.
 */
public record Scalar(BigDecimal number, String string, Boolean bool) {

    public static Scalar of(BigDecimal n) {
        return new Scalar(n.stripTrailingZeros(), null, null);
    }

    public static Scalar of(String s) {
        return new Scalar(null, s, null);
    }

    public static Scalar of(boolean b) {
        return new Scalar(null, null, b);
    }

    /** The comparable form of an event property or trait; null when it has none. */
    public static Scalar from(Value v) {
        if (v == null) {
            return null;
        }
        return switch (v.getKindCase()) {
            case BOOL_VALUE -> of(v.getBoolValue());
            case INT_VALUE -> of(BigDecimal.valueOf(v.getIntValue()));
            case BIG_INTEGER_VALUE -> of(new BigDecimal(new BigInteger(v.getBigIntegerValue())));
            case DOUBLE_VALUE -> of(new BigDecimal(Double.toString(v.getDoubleValue())));
            case DECIMAL_VALUE -> decimal(v.getDecimalValue());
            case STRING_VALUE -> of(v.getStringValue());
            default -> null;
        };
    }

    private static Scalar decimal(String text) {
        try {
            return of(new BigDecimal(text));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public boolean isNumber() {
        return number != null;
    }

    public boolean asBoolean() {
        return Boolean.TRUE.equals(bool);
    }

    public boolean sameAs(Scalar other) {
        if (number != null) {
            return other.number != null && number.compareTo(other.number) == 0;
        }
        if (string != null) {
            return string.equals(other.string);
        }
        return bool != null && bool.equals(other.bool);
    }

    @Override
    public String toString() {
        return number != null ? number.toPlainString() : string != null ? '"' + string + '"' : String.valueOf(bool);
    }
}
