package dev.cairn.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.NullValue;
import com.google.protobuf.Timestamp;

import dev.cairn.proto.events.v1.ListValue;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.ingest.v1.EventInput;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.engine.SourceOfRandomness;

/**
 * Seeded generators of Segment JSON events and gRPC EventInputs for ingest's fuzz suite ({@code IngestFuzzTest})
 * and the {@code fuzz-drain} load-test scenario: mostly plausible, with every field now and then replaced by what
 * a careless or hostile client sends (control characters,
 * unpaired surrogates, wrong types, overlong values, extreme numbers and times, deep nesting). One instance per
 * request, built from the request's own seed, so any failing request can be generated again alone.
 * <p>
 * The value vocabularies are jqwik arbitraries, drawn with this request's {@link Random}.
 */
public final class FuzzInputs {

    public static final JsonNodeFactory JSON = JsonNodeFactory.withExactBigDecimals(true);

    /** Any UTF-16 text: control characters, NUL, unpaired surrogates, private use, noncharacters. */
    private static final Arbitrary<String> ANY_TEXT = Arbitraries.strings().all().ofMaxLength(24);
    /** The characters that break keys and stores, to sprinkle into otherwise plausible values. */
    private static final Arbitrary<Character> NASTY_CHAR = Arbitraries.of('\u0000', '\u0001', '\u001f', '\u007f',
            '\u0085', '\u009f', '\n', '\r', '\t', '\ud800', '\udbff', '\udc00', '\udfff', '\ufffe', '\uffff', '\u2028',
            '\u202e', '\ufeff', '\u00a0', ' ');
    private static final Arbitrary<BigInteger> BIG_INTEGER = Arbitraries.bigIntegers()
            .between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40));
    private static final Arbitrary<BigDecimal> DECIMAL = Arbitraries.bigDecimals()
            .between(BigDecimal.valueOf(-1e12), BigDecimal.valueOf(1e12)).ofScale(12);
    private static final String[] PLANNED = {"Order Completed", "Product Viewed", "Signed Up", "Checkout Started"};
    private static final String NICE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. @é中";
    private static final String[] TYPES = {"track", "identify", "page", "screen", "group", "alias"};

    public final Random random;
    private final String idPrefix;
    private int ids;
    /**
     * How often a properties or context object is nested 28 to 40 levels deep. Lower over gRPC: past about 32
     * levels the whole request cannot be parsed and is refused, which would hide every other event of it.
     */
    private double deepChance = 0.04;

    /**
     * jqwik's arbitraries draw from the thread's source of randomness when used outside a property (this runs
     * inside a Quarkus test); seeding it per request makes every draw, jqwik's and ours, follow from the seed.
     */
    public FuzzInputs(long seed, String idPrefix) {
        this.random = SourceOfRandomness.create(Long.toString(seed));
        this.idPrefix = idPrefix;
    }

    /** jqwik creates its sampling store lazily and not thread-safely: senders draw one at a time. */
    private <T> T draw(Arbitrary<T> arbitrary) {
        synchronized (FuzzInputs.class) {
            return arbitrary.sample();
        }
    }

    public boolean chance(double p) {
        return random.nextDouble() < p;
    }

    public int between(int min, int max) {
        return min + random.nextInt(max - min + 1);
    }

    public <T> T pick(T[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    public String anyText() {
        return draw(ANY_TEXT);
    }

    /**
     * A JSON object key: now and then any text. Rarely: Jackson refuses an unpaired surrogate in a key, so the whole
     * request is answered 400, which would hide every other event of it.
     */
    public String key() {
        return chance(0.003) ? anyText() : niceText();
    }

    public String niceText() {
        char[] text = new char[between(1, 20)];
        for (int i = 0; i < text.length; i++) {
            text[i] = NICE.charAt(random.nextInt(NICE.length()));
        }
        return new String(text);
    }

    /** A plausible value with one character a store cannot keep (or an overlong one, or pure whitespace). */
    public String nastyText(String base) {
        return switch (random.nextInt(6)) {
            case 0 -> anyText();
            case 1 -> base + "x".repeat(between(90, 400));
            case 2 -> " \t ".substring(0, between(1, 3));
            case 3 -> "\u001c";
            default -> {
                StringBuilder b = new StringBuilder(base);
                b.insert(random.nextInt(b.length() + 1), draw(NASTY_CHAR).charValue());
                yield b.toString();
            }
        };
    }

    /** A messageId unique to this request (so concurrent requests never race on one), sometimes mangled. */
    public String messageId() {
        String id = idPrefix + "-" + (ids++);
        return chance(0.1) ? nastyText(id) : id;
    }

    public String identifier(String prefix) {
        String id = prefix + "-" + random.nextInt(5000);
        return chance(0.08) ? nastyText(id) : id;
    }

    // ---------------------------------------------------------------- Segment JSON

    /** One Segment event; {@code withType} for batch items (single calls take the type from the path). */
    public ObjectNode event(boolean withType) {
        ObjectNode e = JSON.objectNode();
        String type = pick(TYPES);
        if (withType) {
            if (chance(0.95)) {
                e.put("type", chance(0.05) ? type.toUpperCase() : type);
            } else {
                e.set("type", chance(0.5) ? JSON.textNode(anyText()) : JSON.numberNode(random.nextInt(9)));
            }
        }
        if (chance(0.9)) {
            e.set("messageId", idValue(messageId()));
        }
        if (chance(0.7)) {
            e.set("userId", idValue(identifier("u")));
        }
        if (chance(0.6)) {
            e.set("anonymousId", idValue(identifier("a")));
        }
        if (chance(0.8)) {
            e.put("event",
                    chance(0.7) ? pick(PLANNED) : chance(0.5) ? niceText() : nastyText("E"));
        }
        if (chance(0.3)) {
            e.put("name", chance(0.8) ? niceText() : nastyText("Home"));
        }
        if (chance(0.3) || type.equals("group")) {
            e.set("groupId", idValue(identifier("g")));
        }
        if (chance(0.3) || type.equals("alias")) {
            e.set("previousId", idValue(identifier("p")));
        }
        if (chance(0.8)) {
            e.set("properties", chance(0.95) ? properties(true) : anyJson(2));
        }
        if (chance(0.5)) {
            e.set("traits", chance(0.95) ? traits() : anyJson(2));
        }
        if (chance(0.6)) {
            e.set("context", chance(0.97) ? context() : anyJson(2));
        }
        if (chance(0.2)) {
            e.set("integrations", chance(0.9) ? JSON.objectNode().put("All", true).put("Mixpanel", false) : anyJson(2));
        }
        if (chance(0.6)) {
            e.set(chance(0.5) ? "timestamp" : "originalTimestamp", time());
        }
        if (chance(0.05)) {
            e.set(key(), anyJson(2));
        }
        return e;
    }

    /** A whole Segment request body: a batch (with shared context and sentAt) or one call. */
    public ObjectNode batch(int events) {
        ObjectNode root = JSON.objectNode();
        ArrayNode batch = root.putArray("batch");
        for (int i = 0; i < events; i++) {
            batch.add(chance(0.01) ? anyJson(1) : event(true));
        }
        if (chance(0.3)) {
            root.set("context", chance(0.9) ? context() : anyJson(1));
        }
        if (chance(0.7)) {
            root.set("sentAt", time());
        }
        if (chance(0.05) && events > 1) {
            // The same messageId twice in one request.
            JsonNode first = batch.get(0);
            if (first.isObject() && first.has("messageId")) {
                ((ObjectNode) batch.get(1)).set("messageId", first.get("messageId"));
            }
        }
        return root;
    }

    /** Ids are strings, sometimes integers (SDKs send both), sometimes a wrong type. */
    private JsonNode idValue(String id) {
        int roll = random.nextInt(100);
        if (roll < 90) {
            return JSON.textNode(id);
        }
        if (roll < 95) {
            return JSON
                    .numberNode(chance(0.5) ? BigInteger.valueOf(random.nextLong()) : draw(BIG_INTEGER));
        }
        return anyJson(1);
    }

    /**
     * @param veryDeep also hundreds of levels (JSON only: a protobuf client cannot even serialize that, and the
     *        server refuses to parse past 100 levels anyway)
     */
    private ObjectNode properties(boolean veryDeep) {
        ObjectNode p = JSON.objectNode();
        if (chance(0.6)) {
            p.set("order_id", chance(0.8) ? JSON.numberNode(random.nextInt(100000)) : number());
            p.set("total", chance(0.8) ? JSON.numberNode(BigDecimal.valueOf(random.nextInt(100000), 2)) : number());
            p.put("currency", chance(0.9) ? pick(new String[]{"EUR", "USD", "GBP"}) : niceText());
        }
        int extra = random.nextInt(4);
        for (int i = 0; i < extra; i++) {
            p.set(key(), anyJson(3));
        }
        if (chance(deepChance)) {
            p.set("deep", deep(between(28, 40)));
        }
        if (veryDeep && chance(0.005)) {
            p.set("deeper", deep(between(100, 900)));
        }
        return p;
    }

    private ObjectNode traits() {
        ObjectNode t = JSON.objectNode();
        if (chance(0.6)) {
            t.put("email", chance(0.9) ? "user" + random.nextInt(5000) + "@shop.example.com" : nastyText("x@y.io"));
        }
        if (chance(0.3)) {
            t.put("phone", chance(0.9) ? "+4930" + (1000000 + random.nextInt(8999999)) : nastyText("+49301234"));
        }
        if (chance(0.4)) {
            t.put("name", niceText());
        }
        if (chance(0.2)) {
            t.set("plan", anyJson(2));
        }
        return t;
    }

    public ObjectNode context() {
        ObjectNode c = JSON.objectNode();
        if (chance(0.5)) {
            c.putObject("library").put("name", "analytics-node").put("version", "2.1.0");
        }
        if (chance(0.3)) {
            c.putObject("device").put("id", identifier("d"));
        }
        if (chance(0.3)) {
            c.put("ip", "203.0.113." + random.nextInt(255));
        }
        if (chance(0.2)) {
            ArrayNode external = c.putArray("externalIds");
            int n = between(1, 3);
            for (int i = 0; i < n; i++) {
                external.addObject().put("type", chance(0.8) ? "crm_id" : niceText().toLowerCase())
                        .put("id", identifier("crm")).put("collection", "users").put("encoding", "none");
            }
        }
        if (chance(0.2)) {
            c.putObject("traits").put("email", chance(0.9)
                    ? "c" + random.nextInt(5000) + "@shop.example.org"
                    : nastyText("c@d.io"));
        }
        if (chance(0.15)) {
            c.putObject("consent").putObject("categoryPreferences").put("analytics", random.nextBoolean())
                    .put(chance(0.8) ? "advertising" : key(), random.nextBoolean());
        }
        if (chance(0.2)) {
            c.put("jurisdiction", chance(0.8) ? pick(new String[]{"EU", "US-CA", "default"}) : nastyText("EU"));
        }
        if (chance(0.1)) {
            c.putObject("protocols").set("event_version",
                    chance(0.7) ? JSON.numberNode(between(1, 3)) : number());
        }
        if (chance(deepChance * 0.75)) {
            c.set("deep", deep(between(28, 40)));
        }
        return c;
    }

    /** Nested objects and arrays, {@code levels} deep. */
    public JsonNode deep(int levels) {
        JsonNode node = JSON.textNode("bottom");
        for (int i = 0; i < levels; i++) {
            if (chance(0.7)) {
                ObjectNode o = JSON.objectNode();
                o.set("k" + i, node);
                node = o;
            } else {
                ArrayNode a = JSON.arrayNode();
                a.add(node);
                node = a;
            }
        }
        return node;
    }

    /** Any JSON value, at most {@code depth} levels of containers. */
    public JsonNode anyJson(int depth) {
        int roll = random.nextInt(depth > 0 ? 10 : 7);
        return switch (roll) {
            case 0 -> JSON.nullNode();
            case 1 -> JSON.booleanNode(random.nextBoolean());
            case 2, 3 -> number();
            case 4, 5 -> JSON.textNode(chance(0.7) ? niceText() : anyText());
            case 6 -> JSON.textNode("x".repeat(between(0, 2000)));
            case 7, 8 -> {
                ObjectNode o = JSON.objectNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.set(key(), anyJson(depth - 1));
                }
                yield o;
            }
            default -> {
                ArrayNode a = JSON.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.add(anyJson(depth - 1));
                }
                yield a;
            }
        };
    }

    /** Numbers from the ordinary to the absurd: beyond int64, beyond double, tiny, negative zero. */
    public JsonNode number() {
        return switch (random.nextInt(9)) {
            case 0 -> JSON.numberNode(random.nextLong());
            case 1 -> JSON.numberNode(draw(BIG_INTEGER));
            case 2 -> JSON.numberNode(draw(DECIMAL));
            case 3 -> JSON.numberNode(new BigDecimal("1e" + between(300, 99999)));
            case 4 -> JSON.numberNode(new BigDecimal("-1e-" + between(300, 99999)));
            case 5 -> JSON.numberNode(new BigInteger("9".repeat(between(20, 900))));
            case 6 -> JSON.numberNode(-0.0);
            case 7 -> JSON.numberNode(Double.MAX_VALUE);
            default -> JSON.numberNode(random.nextInt());
        };
    }

    /** A Segment time: mostly ISO-8601 near now; also the edges of years 1 and 9999, beyond, and garbage. */
    public JsonNode time() {
        Instant now = Instant.now();
        return switch (random.nextInt(40)) {
            case 0 -> JSON.textNode("0001-01-01T00:00:00Z");
            case 1 -> JSON.textNode("9999-12-31T23:59:59.999Z");
            case 2 -> JSON.textNode("+10000-01-01T00:00:00Z");
            case 3 -> JSON.textNode("-0001-12-31T00:00:00Z");
            case 4 -> JSON.textNode("+999999999-12-31T23:59:59Z");
            case 5 -> JSON.textNode("0001-01-01T00:00:00+18:00");
            case 6 -> chance(0.5) ? JSON.textNode(anyText()) : number();
            case 7 -> JSON.textNode(now.plusSeconds(random.nextLong() % 400_000_000_000L).toString());
            default -> JSON.textNode(now.minusSeconds(random.nextInt(86_400 * 30)).toString());
        };
    }

    // ---------------------------------------------------------------- gRPC

    public EventInput eventInput() {
        deepChance = 0.002;
        EventInput.Builder e = EventInput.newBuilder();
        if (chance(0.97)) {
            e.setTypeValue(between(1, 6));
        } else {
            e.setTypeValue(chance(0.5) ? 0 : between(7, 1000));
        }
        if (chance(0.9)) {
            e.setMessageId(messageId());
        }
        if (chance(0.7)) {
            e.setUserId(identifier("u"));
        }
        if (chance(0.6)) {
            e.setAnonymousId(identifier("a"));
        }
        if (chance(0.8)) {
            e.setEvent(chance(0.7) ? pick(PLANNED) : chance(0.5) ? niceText() : nastyText("E"));
        }
        if (chance(0.2)) {
            e.setName(chance(0.8) ? niceText() : nastyText("Home"));
        }
        if (chance(0.3) || e.getTypeValue() == 5) {
            e.setGroupId(identifier("g"));
        }
        if (chance(0.3) || e.getTypeValue() == 6) {
            e.setPreviousId(identifier("p"));
        }
        if (chance(0.8)) {
            e.setProperties(map(properties(false)));
        }
        if (chance(0.5)) {
            e.setTraits(map(traits()));
        }
        if (chance(0.6)) {
            e.setContext(map(context()));
        }
        if (chance(0.6)) {
            e.setTimestamp(timestamp());
        }
        return e.build();
    }

    /** Timestamps valid and not: the edges of years 1 and 9999, beyond them, negative or overflowing nanos. */
    public Timestamp timestamp() {
        long now = Instant.now().getEpochSecond();
        return switch (random.nextInt(30)) {
            case 0 -> Timestamp.newBuilder().setSeconds(-62_135_596_800L).build();
            case 1 -> Timestamp.newBuilder().setSeconds(253_402_300_799L).setNanos(999_999_999).build();
            case 2 -> Timestamp.newBuilder().setSeconds(-62_135_596_801L).build();
            case 3 -> Timestamp.newBuilder().setSeconds(253_402_300_800L).build();
            case 4 -> Timestamp.newBuilder().setSeconds(random.nextLong()).setNanos(random.nextInt()).build();
            case 5 -> Timestamp.newBuilder().setSeconds(chance(0.5) ? Long.MAX_VALUE : Long.MIN_VALUE).build();
            case 6 -> Timestamp.newBuilder().setSeconds(now).setNanos(chance(0.5) ? -1 : 1_000_000_000).build();
            case 7 -> Timestamp.newBuilder().setSeconds(now + (random.nextLong() % 300_000_000_000L)).build();
            default -> Timestamp.newBuilder().setSeconds(now - random.nextInt(86_400 * 30)).build();
        };
    }

    /** JSON to MapValue the way the HTTP reader does it, but without refusing anything (a gRPC client can send it). */
    public static MapValue map(JsonNode node) {
        MapValue.Builder m = MapValue.newBuilder();
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> m.putFields(f.getKey(), value(f.getValue())));
        }
        return m.build();
    }

    private static Value value(JsonNode node) {
        if (node.isObject()) {
            return Value.newBuilder().setMapValue(map(node)).build();
        }
        if (node.isArray()) {
            ListValue.Builder l = ListValue.newBuilder();
            node.forEach(item -> l.addValues(value(item)));
            return Value.newBuilder().setListValue(l).build();
        }
        if (node.isTextual()) {
            return Value.newBuilder().setStringValue(node.textValue()).build();
        }
        if (node.isBoolean()) {
            return Value.newBuilder().setBoolValue(node.booleanValue()).build();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return Value.newBuilder().setIntValue(node.longValue()).build();
        }
        if (node.isIntegralNumber()) {
            return Value.newBuilder().setBigIntegerValue(node.bigIntegerValue().toString()).build();
        }
        if (node.isNumber()) {
            return Value.newBuilder().setDecimalValue(node.decimalValue().toString()).build();
        }
        return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }

    // ---------------------------------------------------------------- bytes

    public static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Flips, drops, duplicates or truncates a few bytes. */
    public byte[] mutate(byte[] bytes) {
        if (bytes.length == 0) {
            return new byte[]{(byte) random.nextInt(256)};
        }
        byte[] b = bytes.clone();
        int edits = between(1, 4);
        for (int i = 0; i < edits; i++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(4)) {
                case 0 -> b[at] = (byte) random.nextInt(256);
                case 1 -> b[at] = (byte) "{}[]\",:\\0".charAt(random.nextInt(9));
                case 2 -> b = java.util.Arrays.copyOf(b, Math.max(1, at));
                default -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
            }
        }
        return b;
    }

    public byte[] garbage(int max) {
        byte[] b = new byte[random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }
}
