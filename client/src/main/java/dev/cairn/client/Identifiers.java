package dev.cairn.client;

import dev.cairn.proto.events.v1.Identifier;

/** Identifiers as Cairn names them: a namespace of {@code contracts/identity/rules.yaml} and a value. */
public final class Identifiers {

    private Identifiers() {
    }

    /** E.g. {@code of("anonymous_id", cookie)}, {@code of("user_id", "u-1")}, {@code of("email", address)}. */
    public static Identifier of(String namespace, String value) {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }
}
