package dev.cairn.ingest.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cairn.proto.events.v1.Identifier;

class RecentLinksTest {

    private static Identifier id(String namespace, String value) {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }

    @Test
    void a_set_is_one_key_in_any_order_and_with_repeats() {
        RecentLinks recent = new RecentLinks(Duration.ofMinutes(10), 100);
        Identifier user = id("user_id", "u-1");
        Identifier anon = id("anonymous_id", "a-1");
        Identifier email = id("email", "x@y.test");
        assertEquals(recent.key(List.of(user, anon, email)), recent.key(List.of(email, user, anon)));
        assertEquals(recent.key(List.of(user, anon)), recent.key(List.of(anon, user, anon)));
        assertNotEquals(recent.key(List.of(user, anon)), recent.key(List.of(user, anon, email)),
                "a set with one more identifier is new evidence");
        assertNotEquals(recent.key(List.of(id("user_id", "a"), id("email", "bc"))),
                recent.key(List.of(id("user_id", "ab"), id("email", "c"))), "values are not run together");
        assertNotEquals(recent.key(List.of(id("user_id", "u"), anon)), recent.key(List.of(id("crm_id", "u"), anon)),
                "the namespace is part of an identifier");
    }

    @Test
    void only_what_was_published_is_known_and_only_within_the_window() throws Exception {
        RecentLinks recent = new RecentLinks(Duration.ofMillis(300), 100);
        RecentLinks.Key key = recent.key(List.of(id("user_id", "u-2"), id("anonymous_id", "a-2")));
        assertFalse(recent.recentlyPublished(key), "a set is not known before its transaction committed");
        recent.published(Set.of(key));
        assertTrue(recent.recentlyPublished(key));
        assertFalse(recent.recentlyPublished(recent.key(List.of(id("user_id", "u-2"), id("anonymous_id", "a-3")))));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> !recent.recentlyPublished(key));
    }

    @Test
    void a_window_of_zero_remembers_nothing() {
        RecentLinks off = new RecentLinks(Duration.ZERO, 100);
        RecentLinks.Key key = off.key(List.of(id("user_id", "u-3"), id("anonymous_id", "a-3")));
        assertNull(key);
        off.published(java.util.Arrays.asList(key));
        assertFalse(off.recentlyPublished(key));
    }
}
