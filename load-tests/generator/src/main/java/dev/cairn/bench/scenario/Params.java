package dev.cairn.bench.scenario;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A scenario's parameters: the defaults stated at the top of its file under load-tests/scenarios/, then in
 * smoke mode the file's {@code smoke.*} values, then {@code key=value} overrides from the command line.
 */
public final class Params {

    private final Map<String, String> values = new LinkedHashMap<>();

    public Params(Path file, boolean smoke, Map<String, String> overrides) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        List<String> keys = new ArrayList<>(p.stringPropertyNames());
        keys.sort(null);
        for (String k : keys) {
            if (!k.startsWith("smoke.")) {
                values.put(k, p.getProperty(k).trim());
            }
        }
        if (smoke) {
            for (String k : keys) {
                if (k.startsWith("smoke.")) {
                    values.put(k.substring("smoke.".length()), p.getProperty(k).trim());
                }
            }
        }
        values.putAll(overrides);
    }

    public String string(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("scenario parameter '" + key + "' is not set");
        }
        return v;
    }

    public int integer(String key) {
        return Integer.parseInt(string(key));
    }

    public double number(String key) {
        return Double.parseDouble(string(key));
    }

    /** A duration like 500ms, 10s or 2m. */
    public Duration duration(String key) {
        String v = string(key);
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> throw new IllegalArgumentException(key + ": a duration like 500ms, 10s or 2m, got " + v);
        };
    }

    public List<Double> numbers(String key) {
        List<Double> out = new ArrayList<>();
        for (String s : string(key).split(",")) {
            out.add(Double.parseDouble(s.trim()));
        }
        return out;
    }

    public Map<String, String> asMap() {
        return values;
    }
}
