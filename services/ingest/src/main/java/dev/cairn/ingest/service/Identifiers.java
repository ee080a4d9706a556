package dev.cairn.ingest.service;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * The identifiers an event carries, in identity's namespaces: anonymous_id, user_id, email and phone (from
 * traits, as given: identity normalizes), device_id (context.device.id) and Segment's context.externalIds
 * (namespace = its type). Values are passed as sent; identity owns normalization and junk rules.
 */
public final class Identifiers {

    private Identifiers() {
    }

    public static List<Identifier> of(EventInput e) {
        Set<Identifier> ids = new LinkedHashSet<>();
        add(ids, "user_id", e.getUserId());
        add(ids, "anonymous_id", e.getAnonymousId());
        if (e.getType() == dev.cairn.proto.events.v1.EventType.EVENT_TYPE_ALIAS) {
            add(ids, "user_id", e.getPreviousId());
        }
        MapValue contextTraits = map(e.getContext(), "traits");
        add(ids, "email", text(e.getTraits(), "email"));
        add(ids, "email", text(contextTraits, "email"));
        add(ids, "phone", text(e.getTraits(), "phone"));
        add(ids, "phone", text(contextTraits, "phone"));
        add(ids, "device_id", text(map(e.getContext(), "device"), "id"));
        Value external = e.getContext().getFieldsMap().get("externalIds");
        if (external != null && external.hasListValue()) {
            for (Value item : external.getListValue().getValuesList()) {
                if (item.hasMapValue()) {
                    String type = text(item.getMapValue(), "type");
                    if (type.matches("[a-z][a-z0-9_]{0,62}")) {
                        add(ids, type, text(item.getMapValue(), "id"));
                    }
                }
            }
        }
        return List.copyOf(ids);
    }

    private static void add(Set<Identifier> ids, String namespace, String value) {
        if (value != null && !value.isBlank()) {
            ids.add(Identifier.newBuilder().setNamespace(namespace).setValue(value).build());
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
