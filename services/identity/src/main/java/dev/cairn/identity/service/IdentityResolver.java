package dev.cairn.identity.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.store.RedisGraph;
import dev.cairn.identity.store.RedisGraph.Hit;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.Identifier;

/**
 * Request-time resolution: normalizes what the caller sent with the same rules the links went through,
 * then asks Redis once for all of it. A blocked or malformed value is simply not found (it never linked).
 */
@ApplicationScoped
public class IdentityResolver {

    public static final int MAX_BATCH = 1000;

    @Inject
    IdentityRules rules;

    @Inject
    RedisGraph redis;

    @Inject
    IdentityMetrics metrics;

    public Uni<List<Hit>> resolve(String space, String rpc, List<Identifier> identifiers, String field) {
        List<FieldViolation> violations = new ArrayList<>();
        if (identifiers.isEmpty()) {
            violations.add(new FieldViolation(field, "at least one identifier is required"));
        }
        if (identifiers.size() > MAX_BATCH) {
            violations.add(new FieldViolation(field, "at most " + MAX_BATCH + " identifiers per call"));
        }
        IdentifierScreen screen = new IdentifierScreen(rules);
        List<Ident> normalized = new ArrayList<>();
        List<Boolean> usable = new ArrayList<>();
        for (int i = 0; i < identifiers.size(); i++) {
            Identifier id = identifiers.get(i);
            String at = identifiers.size() == 1 && "identifier".equals(field) ? field : field + "[" + i + "]";
            if (id.getNamespace().isBlank()) {
                violations.add(new FieldViolation(at + ".namespace", "required"));
            }
            if (id.getValue().isBlank()) {
                violations.add(new FieldViolation(at + ".value", "required"));
            }
            var screened = screen.screen(List.of(id));
            if (screened.accepted().size() == 1) {
                normalized.add(screened.accepted().get(0));
                usable.add(true);
            } else {
                Optional<String> n = screen.normalize(id.getNamespace().strip(), id.getValue());
                normalized.add(new Ident(id.getNamespace().strip(), n.orElse(id.getValue().strip())));
                usable.add(false);
            }
        }
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        List<Ident> asked = new ArrayList<>();
        for (int i = 0; i < normalized.size(); i++) {
            if (usable.get(i)) {
                asked.add(normalized.get(i));
            }
        }
        long start = System.nanoTime();
        Uni<List<Hit>> lookup = asked.isEmpty() ? Uni.createFrom().item(List.of()) : redis.resolve(space, asked);
        return lookup.map(hits -> {
            List<Hit> out = new ArrayList<>();
            int next = 0;
            int found = 0;
            for (int i = 0; i < normalized.size(); i++) {
                Hit hit = usable.get(i)
                        ? hits.get(next++)
                        : new Hit(normalized.get(i), false, "", false, List.of());
                if (hit.found()) {
                    found++;
                    metrics.profileSize(hit.members().size());
                }
                out.add(hit);
            }
            metrics.resolved(rpc, Duration.ofNanos(System.nanoTime() - start), normalized.size(), found);
            return out;
        });
    }
}
