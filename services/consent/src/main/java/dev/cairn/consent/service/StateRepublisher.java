package dev.cairn.consent.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.consent.store.ProfileDirectory;
import dev.cairn.consent.store.SubjectProfileEntity;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.Identifier;

/**
 * Derives and publishes the current state of identifiers to {@code cairn.consent.state.v1}: for each profile
 * touched, the state of every one of its identifiers (consent follows identity).
 *
 * <p>
 * Ordering: per profile, derivation and publication run under a PostgreSQL advisory transaction lock, and
 * state_version is taken from a sequence after the lock, before reading the ledger. So two instances (or two
 * concurrent calls) publish one profile's states one after the other, the last value on the compacted topic is
 * the newest derivation, and its version is the highest.
 */
@ApplicationScoped
public class StateRepublisher {

    public static final String TOPIC = "cairn.consent.state.v1";

    @Inject
    ProfileDirectory profiles;

    @Inject
    DurablePublisher publisher;

    @Inject
    ConsentStateView view;

    @Inject
    MeterRegistry metrics;

    /** Republishes the state of the given identifiers and every identifier linked to them. */
    public Uni<Void> republish(Collection<String> subjectKeys) {
        if (subjectKeys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withSession(() -> profiles.profilesOf(subjectKeys)).flatMap(known -> {
            Map<String, List<String>> groups = new LinkedHashMap<>();
            for (String key : new LinkedHashSet<>(subjectKeys)) {
                groups.computeIfAbsent(ProfileDirectory.groupOf(key, known), g -> new ArrayList<>()).add(key);
            }
            return Multi.createFrom().iterable(groups.entrySet())
                    .onItem()
                    .transformToUniAndConcatenate(
                            g -> Panache.withTransaction(() -> republishGroup(g.getKey(), g.getValue())))
                    .collect().last().replaceWithVoid();
        });
    }

    private Uni<Void> republishGroup(String group, List<String> requested) {
        return lock(group).flatMap(locked -> members(group, requested)).flatMap(members -> {
            List<String> keys = List.copyOf(members.keySet());
            return nextVersions(keys.size()).flatMap(versions -> ConsentRecordEntity
                    .<ConsentRecordEntity>list("subjectKey in ?1", keys).flatMap(records -> {
                        Instant now = Instant.now();
                        String profileId = group.startsWith("profile:") ? group.substring("profile:".length()) : "";
                        List<ConsentState> states = new ArrayList<>();
                        for (int i = 0; i < keys.size(); i++) {
                            states.add(StateDerivation.state(members.get(keys.get(i)), profileId, records,
                                    versions.get(i), now));
                        }
                        return Multi.createFrom().iterable(states).onItem().transformToUniAndConcatenate(s -> {
                            String key = dev.cairn.platform.consent.SubjectKeys.key(s.getSubject().getNamespace(),
                                    s.getSubject().getValue());
                            byte[] bytes = s.toByteArray();
                            return publisher.publish(TOPIC, key, bytes).invoke(() -> {
                                // Read-your-writes for this instance's Decide; other instances see it via Kafka.
                                view.apply(key, bytes);
                                metrics.counter("cairn.consent.states.published").increment();
                            });
                        }).collect().last().replaceWithVoid();
                    }));
        });
    }

    private Uni<Map<String, Identifier>> members(String group, List<String> requested) {
        Uni<List<SubjectProfileEntity>> linked = group.startsWith("profile:")
                ? profiles.members(group.substring("profile:".length()))
                : Uni.createFrom().item(List.of());
        return linked.flatMap(ms -> ConsentRecordEntity
                .<ConsentRecordEntity>list("subjectKey in ?1", requested).map(records -> {
                    Map<String, Identifier> members = new LinkedHashMap<>();
                    for (SubjectProfileEntity m : ms) {
                        members.put(m.subjectKey, id(m.subjectNamespace, m.subjectValue));
                    }
                    for (ConsentRecordEntity r : records) {
                        members.putIfAbsent(r.subjectKey, id(r.subjectNamespace, r.subjectValue));
                    }
                    for (String k : requested) {
                        int colon = k.indexOf(':');
                        members.putIfAbsent(k, id(k.substring(0, colon), k.substring(colon + 1)));
                    }
                    return members;
                }));
    }

    private static Identifier id(String ns, String value) {
        return Identifier.newBuilder().setNamespace(ns).setValue(value).build();
    }

    private Uni<Long> lock(String group) {
        return Panache.getSession().flatMap(s -> s
                .createNativeQuery("select count(*) from (select pg_advisory_xact_lock(hashtext(?1))) l", Long.class)
                .setParameter(1, group).getSingleResult());
    }

    private Uni<List<Long>> nextVersions(int n) {
        return Panache.getSession().flatMap(s -> s
                .createNativeQuery("select nextval('consent_state_version') from generate_series(1, ?1)", Long.class)
                .setParameter(1, n).getResultList());
    }

}
