package dev.cairn.delivery.connect;

import java.util.Locale;

/**
 * The type of a warehouse column that holds one planned event property, as the tracking plan's JSON Schema types it.
 * The delivery plan derives each column's type from contracts/tracking-plan; the converter only reads it from its
 * configuration, so the Connect plugin needs no contract files.
 */
public enum ColumnType {
    /** JSON Schema {@code string}, or a property the plan types in more than one way (e.g. string or integer). */
    STRING,
    /** JSON Schema {@code integer}: exact at any size (JSON integers may exceed 2^63), a NUMERIC column. */
    INTEGER,
    /** JSON Schema {@code number}: double precision, as Segment's warehouses load numbers. */
    NUMBER, BOOLEAN,
    /** JSON Schema {@code object} or {@code array}: the value as JSON text. */
    JSON;

    public static ColumnType parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown column type '" + text + "' (one of string, integer, number, boolean, json)");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
