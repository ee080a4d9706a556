package dev.cairn.ingest.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * The identifiers an event carries, in identity's namespaces: anonymous_id, user_id, email and phone (from
 * traits, as given: identity normalizes), device_id (context.device.id) and Segment's context.externalIds
 * (namespace = its type). Values are passed as sent; identity owns normalization and junk rules, and
 * {@link EnvelopeCheck} makes sure each one is a value identity can store.
 */
public final class Identifiers {

    /** An identifier and where in the event it was found, as a JSON path (for violations). */
    public record Located(Identifier identifier, String jsonPath) {
    }

    /** What identity accepts as a namespace (an externalIds type); compiled once, not per event. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private Identifiers() {
    }

    public static List<Identifier> of(EventInput e) {
        Set<Identifier> ids = new LinkedHashSet<>();
        located(e).forEach(l -> ids.add(l.identifier()));
        return List.copyOf(ids);
    }

    /** Every identifier with its path, in the order {@link #of} lists them, repeats included. */
    public static List<Located> located(EventInput e) {
        List<Located> ids = new ArrayList<>();
        add(ids, "user_id", e.getUserId(), "$.userId");
        add(ids, "anonymous_id", e.getAnonymousId(), "$.anonymousId");
        if (e.getType() == EventType.EVENT_TYPE_ALIAS) {
            add(ids, "user_id", e.getPreviousId(), "$.previousId");
        }
        MapValue contextTraits = map(e.getContext(), "traits");
        add(ids, "email", text(e.getTraits(), "email"), "$.traits.email");
        add(ids, "email", text(contextTraits, "email"), "$.context.traits.email");
        add(ids, "phone", text(e.getTraits(), "phone"), "$.traits.phone");
        add(ids, "phone", text(contextTraits, "phone"), "$.context.traits.phone");
        add(ids, "device_id", text(map(e.getContext(), "device"), "id"), "$.context.device.id");
        Value external = e.getContext().getFieldsMap().get("externalIds");
        if (external != null && external.hasListValue()) {
            List<Value> items = external.getListValue().getValuesList();
            for (int i = 0; i < items.size(); i++) {
                Value item = items.get(i);
                if (item.hasMapValue()) {
                    String type = text(item.getMapValue(), "type");
                    if (NAMESPACE.matcher(type).matches()) {
                        add(ids, type, text(item.getMapValue(), "id"), "$.context.externalIds[" + i + "].id");
                    }
                }
            }
        }
        return ids;
    }

    private static void add(List<Located> ids, String namespace, String value, String path) {
        if (value != null && !value.isBlank()) {
            ids.add(new Located(Identifier.newBuilder().setNamespace(namespace).setValue(value).build(), path));
        }
    }

    private static MapValue map(MapValue parent, String key) {
        Value v = parent.getFieldsMap().get(key);
        return v != null && v.hasMapValue() ? v.getMapValue() : MapValue.getDefaultInstance();
    }

    private static String text(MapValue parent, String key) {
        Value v = parent.getFieldsMap().get(key);
        return v != null && v.hasStringValue() ? v.getStringValue() : "";
    }
}
