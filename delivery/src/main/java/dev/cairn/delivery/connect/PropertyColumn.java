package dev.cairn.delivery.connect;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One typed column for a planned event property: {@code properties.<property>} lands in column
 * {@value #PREFIX}{@code <property>}. The prefix keeps a property named like an envelope column ({@code type},
 * {@code name}) from colliding with it.
 */
public record PropertyColumn(String property, ColumnType type) {

    public static final String PREFIX = "prop_";

    /** Lower-case identifiers only: a column name must be the same unquoted in every warehouse. */
    private static final Pattern PROPERTY = Pattern.compile("[a-z][a-z0-9_]{0,58}");

    public PropertyColumn {
        if (!PROPERTY.matcher(property).matches()) {
            throw new IllegalArgumentException("property '" + property
                    + "' cannot be a warehouse column: lower-case letters, digits and _ only, starting with a letter");
        }
    }

    public String column() {
        return PREFIX + property;
    }

    /** The converter's configuration form: {@code order_id:string,total:number}. */
    public static String format(List<PropertyColumn> columns) {
        return columns.stream().map(c -> c.property() + ":" + c.type().configName()).collect(Collectors.joining(","));
    }

    /** Parses {@link #format}'s output; blank means no typed columns. */
    public static List<PropertyColumn> parse(String spec) {
        List<PropertyColumn> columns = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        if (spec == null || spec.isBlank()) {
            return columns;
        }
        for (String entry : spec.split(",")) {
            String[] parts = entry.trim().split(":", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("'" + entry + "' is not property:type");
            }
            PropertyColumn column = new PropertyColumn(parts[0].trim(), ColumnType.parse(parts[1]));
            if (!seen.add(column.property())) {
                throw new IllegalArgumentException("property '" + column.property() + "' is listed twice");
            }
            columns.add(column);
        }
        return columns;
    }
}
