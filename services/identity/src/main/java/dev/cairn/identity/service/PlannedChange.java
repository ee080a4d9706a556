package dev.cairn.identity.service;

import java.util.List;

import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * A log entry a decision wants appended, before it has a sequence number. {@code identifiers} says, for
 * each identifier concerned, which profile it belongs to afterwards (null: it stays where it was) and
 * where it came from; {@code edges} is the link evidence this entry creates (for unmerge and splits).
 */
public record PlannedChange(IdentityChangeKind kind, String profileId, List<String> absorbedProfileIds,
        List<String> splitProfileIds, List<Moved> identifiers, String rule, List<String> heldProfileIds,
        List<GraphView.Edge> edges) {

    /** One identifier of an entry: its hash, namespace, encrypted value, and the move it makes (if any). */
    public record Moved(String hash, String namespace, String cipher, String toProfile, String fromProfile) {

        static Moved of(GraphView.Node node, String toProfile) {
            return new Moved(node.hash(), node.namespace(), node.cipher(), toProfile, node.profileId());
        }

        static Moved stays(GraphView.Node node) {
            return new Moved(node.hash(), node.namespace(), node.cipher(), null, node.profileId());
        }
    }

    static PlannedChange of(IdentityChangeKind kind, String profileId, List<Moved> identifiers, String rule) {
        return new PlannedChange(kind, profileId, List.of(), List.of(), identifiers, rule, List.of(), List.of());
    }
}
