package dev.cairn.ingest.service;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.NullValue;

import dev.cairn.proto.events.v1.ListValue;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;

/**
 * Lossless conversion between JSON and {@link Value}. Integers beyond 64 bits and decimals that a double
 * cannot reproduce exactly are carried as text, so an order id of 2^53+1 or a price of 0.1 arrives downstream
 * exactly as it was sent (a protobuf Struct would turn both into doubles).
 */
public final class JsonValues {

    /** Parses JSON without ever going through double: big integers and exact decimals survive. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private JsonValues() {
    }

    public static Value toValue(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (node.isBoolean()) {
            return Value.newBuilder().setBoolValue(node.booleanValue()).build();
        }
        if (node.isIntegralNumber()) {
            BigInteger big = node.bigIntegerValue();
            if (big.compareTo(LONG_MIN) >= 0 && big.compareTo(LONG_MAX) <= 0) {
                return Value.newBuilder().setIntValue(big.longValue()).build();
            }
            return Value.newBuilder().setBigIntegerValue(big.toString()).build();
        }
        if (node.isNumber()) {
            BigDecimal decimal = node.decimalValue();
            double d = decimal.doubleValue();
            if (Double.isFinite(d) && new BigDecimal(Double.toString(d)).compareTo(decimal) == 0) {
                return Value.newBuilder().setDoubleValue(d).build();
            }
            return Value.newBuilder().setDecimalValue(decimal.toString()).build();
        }
        if (node.isTextual()) {
            return Value.newBuilder().setStringValue(node.textValue()).build();
        }
        if (node.isArray()) {
            ListValue.Builder list = ListValue.newBuilder();
            node.forEach(item -> list.addValues(toValue(item)));
            return Value.newBuilder().setListValue(list).build();
        }
        return Value.newBuilder().setMapValue(toMap(node)).build();
    }

    /** A JSON object as a MapValue; anything else is not a map (callers check the type first). */
    public static MapValue toMap(JsonNode object) {
        MapValue.Builder map = MapValue.newBuilder();
        if (object != null && object.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                map.putFields(field.getKey(), toValue(field.getValue()));
            }
        }
        return map.build();
    }

    public static JsonNode toJson(Value value) {
        return switch (value.getKindCase()) {
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case INT_VALUE -> NODES.numberNode(value.getIntValue());
            case BIG_INTEGER_VALUE -> NODES.numberNode(new BigInteger(value.getBigIntegerValue()));
            case DOUBLE_VALUE -> NODES.numberNode(value.getDoubleValue());
            case DECIMAL_VALUE -> NODES.numberNode(new BigDecimal(value.getDecimalValue()));
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case LIST_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getListValue().getValuesList().forEach(v -> array.add(toJson(v)));
                yield array;
            }
            case MAP_VALUE -> toJson(value.getMapValue());
            default -> NODES.nullNode();
        };
    }

    public static ObjectNode toJson(MapValue map) {
        ObjectNode object = NODES.objectNode();
        map.getFieldsMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> object.set(e.getKey(), toJson(e.getValue())));
        return object;
    }
}
