package dev.cairn.consent.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * Which identifiers share a profile, from identity's changes. Callers run inside a Hibernate Reactive session
 * (Panache.withTransaction/withSession).
 */
@ApplicationScoped
public class ProfileDirectory {

    /** The group an identifier's consent is derived over: its profile, or itself while identity knows none. */
    public static String groupOf(String subjectKey, Map<String, SubjectProfileEntity> profiles) {
        SubjectProfileEntity p = profiles.get(subjectKey);
        return p == null ? "solo:" + subjectKey : "profile:" + p.profileId;
    }

    public Uni<Map<String, SubjectProfileEntity>> profilesOf(Collection<String> subjectKeys) {
        if (subjectKeys.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return SubjectProfileEntity.<SubjectProfileEntity>list("subjectKey in ?1", List.copyOf(subjectKeys))
                .map(list -> list.stream().collect(Collectors.toMap(p -> p.subjectKey, Function.identity())));
    }

    public Uni<List<SubjectProfileEntity>> members(String profileId) {
        return SubjectProfileEntity.list("profileId", profileId);
    }

    /** Every identifier linked to the subject (the subject itself included, even if identity never saw it). */
    public Uni<List<String>> linkedKeys(String subjectKey) {
        return SubjectProfileEntity.<SubjectProfileEntity>findById(subjectKey).flatMap(p -> {
            if (p == null) {
                return Uni.createFrom().item(List.of(subjectKey));
            }
            return members(p.profileId).map(ms -> {
                List<String> keys = new ArrayList<>();
                keys.add(subjectKey);
                ms.stream().map(m -> m.subjectKey).filter(k -> !k.equals(subjectKey)).forEach(keys::add);
                return keys;
            });
        });
    }
}
