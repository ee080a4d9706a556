package dev.cairn.ingest.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import jakarta.json.Json;

import org.junit.jupiter.api.Test;

import dev.cairn.platform.grpc.PermissionDeniedException;

/** How a token's claim becomes grants: only string source ids grant, and nothing grants every source. */
class SourceGrantsTest {

    private static final Source WEB = new Source("web", "", true, 0, "EU");
    private static final Source BACKEND = new Source("backend", "", false, 0, "default");

    @Test
    void a_json_array_of_ids_as_the_token_principal_gives_it_grants_those_sources() {
        SourceGrants grants = SourceGrants.ofClaim("cairn_sources",
                Json.createArrayBuilder().add("backend").add(7).add(Json.createObjectBuilder()).build());
        assertTrue(grants.allows("backend"));
        assertFalse(grants.allows("web"));
        grants.require(BACKEND);
    }

    @Test
    void one_string_is_one_source_and_neither_a_list_in_it_nor_a_wildcard_grants_more() {
        assertTrue(SourceGrants.ofClaim("c", "web").allows("web"));
        assertFalse(SourceGrants.ofClaim("c", "web backend").allows("backend"));
        assertFalse(SourceGrants.ofClaim("c", "*").allows("web"));
        assertFalse(SourceGrants.ofClaim("c", List.of("*")).allows("backend"));
        assertFalse(SourceGrants.ofClaim("c", Map.of("web", true)).allows("web"));
        assertFalse(SourceGrants.ofClaim("c", null).allows("web"));
    }

    @Test
    void a_refusal_names_the_source_the_claim_and_what_it_grants() {
        PermissionDeniedException refused = assertThrows(PermissionDeniedException.class,
                () -> SourceGrants.ofClaim("cairn_sources", List.of("backend")).require(WEB));
        assertEquals("SOURCE_NOT_GRANTED", refused.reason());
        assertEquals(Map.of("source_id", "web"), refused.metadata());
        assertEquals("source 'web' is not granted to this caller: its token's claim cairn_sources grants [backend]",
                refused.getMessage());
        assertTrue(assertThrows(PermissionDeniedException.class,
                () -> SourceGrants.ofClaim("cairn_sources", null).require(WEB)).getMessage().endsWith("grants none"));
    }

    @Test
    void every_source_needs_each_one_granted() {
        SourceGrants.ofClaim("c", List.of("web", "backend")).requireEvery(List.of(WEB, BACKEND));
        PermissionDeniedException refused = assertThrows(PermissionDeniedException.class,
                () -> SourceGrants.ofClaim("c", List.of("backend")).requireEvery(List.of(WEB, BACKEND)));
        assertTrue(refused.getMessage().contains("[web]"), refused.getMessage());
    }

    @Test
    void a_write_key_grants_its_one_source() {
        SourceGrants key = SourceGrants.ofWriteKey("web");
        key.require(WEB);
        assertThrows(PermissionDeniedException.class, () -> key.require(BACKEND));
    }
}
