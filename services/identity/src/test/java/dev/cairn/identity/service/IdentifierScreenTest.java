package dev.cairn.identity.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.rules.IdentityRulesLoaderTest;
import dev.cairn.proto.events.v1.Identifier;

class IdentifierScreenTest {

    private static final IdentityRules RULES = IdentityRulesLoaderTest.repositoryRules();
    private final IdentifierScreen screen = new IdentifierScreen(RULES);

    @ParameterizedTest(name = "{0}:''{1}'' is stopped by {2}")
    @CsvSource({
            "anonymous_id, 00000000, blocked.zeros",
            "user_id, '0', blocked.zeros",
            "device_id, '--', blocked.zeros",
            "user_id, null, blocked.placeholder",
            "anonymous_id, Undefined, blocked.placeholder",
            "user_id, ' anonymous ', blocked.placeholder",
            "device_id, 00000000-0000-0000-0000-000000000000, blocked.zeros",
            "email, info@shop.com, blocked.shared_mailbox",
            "email, ' Support@Shop.COM ', blocked.shared_mailbox",
            "email, jane@example.com, blocked.placeholder_email",
            "email, not-an-email, normalize.email",
            "phone, call me, normalize.phone",
            "loyalty_card, 123, namespace.undeclared"})
    void junk_never_passes_the_screen(String namespace, String value, String rule) {
        var result = screen.screen(List.of(Identifier.newBuilder().setNamespace(namespace).setValue(value).build()));
        assertTrue(result.accepted().isEmpty(), "nothing accepted");
        assertEquals(rule, result.stopped().get(0).rule());
    }

    @ParameterizedTest(name = "{0}:''{1}'' normalizes to {2}")
    @CsvSource({
            "email, ' Jane.Doe@Example.ORG.uk ', jane.doe@example.org.uk",
            "email, MAILTO:Bob@Shop.de, bob@shop.de",
            "phone, +44 20 7946 0958, +442079460958",
            "phone, 0044 (20) 7946-0958, +442079460958",
            "phone, (555) 123-4567, +15551234567",
            "user_id, ' u-42 ', u-42",
            "anonymous_id, AbC, AbC"})
    void values_are_normalized_per_namespace(String namespace, String value, String normalized) {
        assertEquals(Optional.of(normalized), screen.normalize(namespace, value));
    }

    @ParameterizedTest(name = "phone ''{0}'' is not a phone number")
    @CsvSource({"+12", "+0123456789", "+1234567890123456"})
    void phone_numbers_outside_e164_are_refused(String value) {
        assertEquals(Optional.empty(), screen.normalize("phone", value));
    }
}
