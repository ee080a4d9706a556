package dev.cairn.consent.service;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

import dev.cairn.consent.store.SubjectProfileTable;
import dev.cairn.proto.events.v1.IdentityChange;

/**
 * Consent follows identity: applies a poll of identity's changes to {@code subject_profile} in one transaction
 * (one read, at most two writes, whatever the poll's size; {@link IdentityChangeBatch} decides in memory, in
 * order), then, after the commit, derives and republishes the state of every identifier they affected, once each.
 */
@ApplicationScoped
public class IdentityFollower {

    @Inject
    Pool pool;

    @Inject
    SubjectProfileTable table;

    @Inject
    StateRepublisher republisher;

    /**
     * All or nothing: a failure rolls the whole poll back (the caller may apply it again, or in parts). Applying
     * again is harmless: rows already at a change's sequence do not move, and the states are derived again.
     */
    public Uni<Void> follow(List<IdentityChange> changes) {
        return apply(changes).chain(republisher::republish);
    }

    /** The transaction alone; returns the identifiers whose state must be derived again. */
    public Uni<Set<String>> apply(List<IdentityChange> changes) {
        Set<String> keys = new LinkedHashSet<>();
        Set<String> profiles = new LinkedHashSet<>();
        for (IdentityChange c : changes) {
            keys.addAll(IdentityChangeBatch.keys(c));
            profiles.addAll(IdentityChangeBatch.profiles(c));
        }
        return pool.withTransaction(conn -> table.rowsOf(conn, keys, profiles).chain(rows -> {
            IdentityChangeBatch.Outcome outcome = IdentityChangeBatch.apply(rows, changes);
            return table.write(conn, outcome.detached(), outcome.written()).replaceWith(outcome.affected());
        }));
    }
}
