package dev.cairn.identity;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.quarkus.vertx.VertxContextSupport;

import dev.cairn.identity.service.Ident;
import dev.cairn.identity.store.RedisGraph;

/** Reads a space's Redis graph from a test thread, as the shape of the partition (who is with whom). */
final class GraphProbe {

    private GraphProbe() {
    }

    static List<RedisGraph.Hit> resolve(RedisGraph redis, String space, List<Ident> ids) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> redis.resolve(space, ids));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * For each identifier: the identifiers of its profile and whether it is ambiguous. Profile ids are left
     * out: two runs mint different ids for the same shape.
     */
    static Map<String, String> shape(RedisGraph redis, String space, List<Ident> ids) {
        Map<String, String> shape = new TreeMap<>();
        for (RedisGraph.Hit hit : resolve(redis, space, ids)) {
            Set<String> members = new TreeSet<>();
            hit.members().forEach(m -> members.add(m.key()));
            shape.put(hit.identifier().key(), hit.found() ? members + (hit.ambiguous() ? " ambiguous" : "") : "-");
        }
        return shape;
    }

    /** Runs the pipeline on a Vert.x context (what a reactive session needs) and waits for it. */
    static <T> T await(java.util.function.Supplier<io.smallrye.mutiny.Uni<T>> uni) {
        try {
            return VertxContextSupport.subscribeAndAwait(uni);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
