package dev.cairn.identity.service;

import dev.cairn.proto.events.v1.Identifier;

/** A normalized identifier: a namespace and a value in it. Its string form {@code namespace:value} is its key. */
public record Ident(String namespace, String value) implements Comparable<Ident> {

    public String key() {
        return namespace + ":" + value;
    }

    public static Ident ofKey(String key) {
        int colon = key.indexOf(':');
        return new Ident(key.substring(0, colon), key.substring(colon + 1));
    }

    public Identifier toProto() {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }

    @Override
    public int compareTo(Ident o) {
        return key().compareTo(o.key());
    }
}
