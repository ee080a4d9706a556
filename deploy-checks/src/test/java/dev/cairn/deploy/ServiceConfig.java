package dev.cairn.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one service reads, taken from its own sources: its application.properties and the platform defaults
 * (META-INF/microprofile-config.properties), the {@code @ConfigMapping} interfaces of the service and of the
 * platform, and the topic names its code and configuration use. The chart is checked against this, never against a
 * copied list.
 */
final class ServiceConfig {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)(?::[^}]*)?}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern MAPPING = Pattern.compile("@ConfigMapping\\(prefix\\s*=\\s*\"([^\"]+)\"\\)");
    private static final Pattern WITH_DEFAULT = Pattern.compile("@WithDefault\\(\"((?:[^\"\\\\]|\\\\.)*)\"\\)");
    private static final Pattern INTERFACE = Pattern.compile("\\binterface\\s+(\\w+)\\s*\\{");
    private static final Pattern METHOD = Pattern.compile("^\\s*([\\w.<>?, ]+?)\\s+(\\w+)\\(\\)\\s*;");
    static final Pattern TOPIC = Pattern.compile("\"(cairn\\.[a-z][a-z_-]*(?:\\.[a-z][a-z_-]*)*\\.v[0-9]+)\"");

    final String name;
    /** Property keys the service's configuration files declare (profile prefixes removed). */
    final Set<String> propertyKeys = new TreeSet<>();
    /** Values of the un-profiled properties. */
    final Map<String, String> properties = new LinkedHashMap<>();
    /** Keys its {@code @ConfigMapping} interfaces (and the platform's) define. */
    final Set<String> mappingKeys = new TreeSet<>();
    /** Names referenced as {@code ${NAME:default}} by un-profiled or %prod properties and by @WithDefault. */
    final Set<String> placeholders = new TreeSet<>();
    /** Topic names its configuration and code use. */
    final Set<String> topics = new TreeSet<>();
    /** Default values (from properties and @WithDefault) of keys that hold secrets: must never appear in manifests. */
    final Set<String> secretDefaults = new TreeSet<>();

    private ServiceConfig(String name) {
        this.name = name;
    }

    static ServiceConfig of(String service) {
        ServiceConfig c = new ServiceConfig(service);
        c.readProperties(RepoLayout.PLATFORM.resolve("src/main/resources/META-INF/microprofile-config.properties"));
        c.readProperties(RepoLayout.SERVICES.resolve(service).resolve("src/main/resources/application.properties"));
        for (Path source : javaSources(RepoLayout.PLATFORM)) {
            c.readJava(source);
        }
        for (Path source : javaSources(RepoLayout.SERVICES.resolve(service))) {
            c.readJava(source);
        }
        return c;
    }

    /** Every key the service reads: declared properties and mapping keys. */
    Set<String> knownKeys() {
        Set<String> all = new TreeSet<>(propertyKeys);
        all.addAll(mappingKeys);
        return all;
    }

    /** Environment variable names that set a known key (SmallRye's mapping: non-alphanumerics to '_', upper case). */
    Set<String> knownKeyEnvNames() {
        Set<String> env = new TreeSet<>();
        knownKeys().forEach(k -> env.add(envName(k)));
        return env;
    }

    Set<String> envPlaceholders() {
        return placeholders.stream().filter(p -> ENV_NAME.matcher(p).matches()).collect(TreeSet::new, Set::add,
                Set::addAll);
    }

    Set<String> keyPlaceholders() {
        return placeholders.stream().filter(p -> !ENV_NAME.matcher(p).matches()).collect(TreeSet::new, Set::add,
                Set::addAll);
    }

    boolean declares(String key) {
        return propertyKeys.contains(key);
    }

    boolean declaresPrefix(String prefix) {
        return propertyKeys.stream().anyMatch(k -> k.startsWith(prefix));
    }

    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    static boolean looksSecret(String keyOrEnv) {
        String k = keyOrEnv.toLowerCase();
        if (k.matches(".*[_-](dir|file)$")) {
            return false; // where a secret is, not the secret
        }
        return k.matches(".*(password|secret|token|hash-key|hash_key|hashing-key|hashing_key|"
                + "suppression-key|suppression_key|credential).*");
    }

    private void readProperties(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String raw : p.stringPropertyNames()) {
            String profile = raw.startsWith("%") ? raw.substring(1, raw.indexOf('.')) : "";
            String key = profile.isEmpty() ? raw : raw.substring(raw.indexOf('.') + 1);
            String value = p.getProperty(raw);
            propertyKeys.add(key);
            if (profile.isEmpty()) {
                properties.put(key, value);
            }
            if (profile.isEmpty() || profile.equals("prod")) {
                Matcher m = PLACEHOLDER.matcher(value);
                while (m.find()) {
                    placeholders.add(m.group(1));
                }
                topicsIn(value);
            }
            if (looksSecret(key) && !value.isBlank()) {
                secretDefaults.add(value.replaceAll(".*\\$\\{[^:}]+:([^}]*)}.*", "$1"));
            }
        }
    }

    private void topicsIn(String value) {
        Matcher m = Pattern.compile("cairn\\.[a-z][a-z_-]*(?:\\.[a-z][a-z_-]*)*\\.v[0-9]+").matcher(value);
        while (m.find()) {
            topics.add(m.group());
        }
    }

    private void readJava(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher t = TOPIC.matcher(text);
        while (t.find()) {
            topics.add(t.group(1));
        }
        Matcher mapping = MAPPING.matcher(text);
        if (!mapping.find()) {
            return;
        }
        Matcher d = WITH_DEFAULT.matcher(text);
        while (d.find()) {
            Matcher m = PLACEHOLDER.matcher(d.group(1));
            while (m.find()) {
                placeholders.add(m.group(1));
            }
        }
        mappingKeys.addAll(mappingKeys(mapping.group(1), text));
        collectSecretDefaults(mapping.group(1), text);
    }

    /**
     * Keys of a mapping interface: each method is a key (camelCase to kebab-case) under the prefix; a method whose
     * type is a nested interface is a group whose methods sit under it.
     */
    static Set<String> mappingKeys(String prefix, String source) {
        Map<String, List<String[]>> methods = new LinkedHashMap<>();
        Deque<String> open = new ArrayDeque<>();
        Deque<Integer> openedAt = new ArrayDeque<>();
        String root = null;
        int depth = 0;
        for (String line : source.split("\n")) {
            String code = line.replaceAll("//.*", "");
            Matcher i = INTERFACE.matcher(code);
            if (i.find()) {
                if (root == null) {
                    root = i.group(1);
                }
                open.push(i.group(1));
                openedAt.push(depth);
                methods.putIfAbsent(i.group(1), new ArrayList<>());
            } else if (!open.isEmpty() && depth == openedAt.peek() + 1) {
                Matcher m = METHOD.matcher(code);
                if (m.find() && !code.trim().startsWith("*") && !code.contains("default ")
                        && !code.contains("static ")) {
                    String type = m.group(1).trim();
                    type = type.substring(type.lastIndexOf(' ') + 1);
                    methods.get(open.peek()).add(new String[]{type, m.group(2)});
                }
            }
            for (char ch : code.toCharArray()) {
                if (ch == '{') {
                    depth++;
                } else if (ch == '}') {
                    depth--;
                    if (!open.isEmpty() && depth == openedAt.peek()) {
                        open.pop();
                        openedAt.pop();
                    }
                }
            }
        }
        Set<String> keys = new LinkedHashSet<>();
        if (root != null) {
            expand(prefix, root, methods, keys);
        }
        return keys;
    }

    private static void expand(String prefix, String iface, Map<String, List<String[]>> methods, Set<String> keys) {
        for (String[] m : methods.getOrDefault(iface, List.of())) {
            String key = prefix + "." + kebab(m[1]);
            String type = m[0].replaceAll(".*\\.", "");
            if (methods.containsKey(type)) {
                expand(key, type, methods, keys);
            } else {
                keys.add(key);
            }
        }
    }

    private void collectSecretDefaults(String prefix, String source) {
        // A @WithDefault directly above a secret-looking method: its value is a development default that must not
        // end up in a manifest.
        Matcher m = Pattern.compile("@WithDefault\\(\"([^\"]*)\"\\)\\s*\\n\\s*[\\w.<>]+\\s+(\\w+)\\(\\)")
                .matcher(source);
        while (m.find()) {
            if (looksSecret(kebab(m.group(2))) && !m.group(1).startsWith("${")) {
                secretDefaults.add(m.group(1));
            }
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static List<Path> javaSources(Path module) {
        Path main = module.resolve("src/main/java");
        if (!Files.isDirectory(main)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(main)) {
            return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
