package dev.cairn.identity.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.GraphNode;
import dev.cairn.identity.repository.HeldMergeRow;
import dev.cairn.identity.repository.IdentifierKey;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.platform.grpc.NotFoundException;
import dev.cairn.proto.events.v1.IdentityChange;

/** Reads the log for operators: a profile's history with causes, and the merges held for review. */
@ApplicationScoped
public class IdentityHistory {

    @Inject
    IdentifierCipher cipher;

    public record Page<T>(String profileId, List<T> items, String nextToken) {
    }

    /** The profile's entries and those of every profile merged into it, in sequence order, one page. */
    public Uni<Page<IdentityChange>> explain(String space, String profileId, Ident identifier, int pageSize,
            long after) {
        return Panache.withSession(() -> profileOf(space, profileId, identifier)
                .chain(profile -> lineage(space, Set.of(profile), new LinkedHashSet<>(List.of(profile)))
                        .chain(profiles -> LogEntry.<LogEntry>find(
                                "space = ?1 and seq > ?2 and seq in (select r.seq from LogProfileRef r where r.profileId in ?3) order by seq",
                                space, after, List.copyOf(profiles)).page(0, pageSize + 1).list())
                        .chain(entries -> withKeys(entries).map(keys -> {
                            boolean more = entries.size() > pageSize;
                            List<LogEntry> page = more ? entries.subList(0, pageSize) : entries;
                            List<IdentityChange> changes = page.stream().map(e -> ChangeMapper.toProto(e, keys))
                                    .toList();
                            return new Page<>(profile, changes,
                                    more ? Long.toString(page.get(page.size() - 1).seq) : "");
                        }))));
    }

    /** Pending held merges, oldest first, with the HELD entry of each. */
    public Uni<Page<HeldEntry>> held(String space, int pageSize, long after) {
        return Panache.withSession(() -> HeldMergeRow.<HeldMergeRow>find(
                "space = ?1 and status = ?2 and seq > ?3 order by seq", space, HeldMergeRow.PENDING, after)
                .page(0, pageSize + 1).list().chain(holds -> {
                    boolean more = holds.size() > pageSize;
                    List<HeldMergeRow> page = more ? holds.subList(0, pageSize) : holds;
                    if (page.isEmpty()) {
                        return Uni.createFrom().item(new Page<HeldEntry>("", List.of(), ""));
                    }
                    return LogEntry.<LogEntry>list("seq in ?1", page.stream().map(h -> h.seq).toList())
                            .chain(entries -> withKeys(entries).map(keys -> {
                                Map<Long, LogEntry> bySeq = new HashMap<>();
                                entries.forEach(e -> bySeq.put(e.seq, e));
                                List<HeldEntry> items = new ArrayList<>();
                                for (HeldMergeRow h : page) {
                                    LogEntry e = bySeq.get(h.seq);
                                    items.add(new HeldEntry(h, e, ChangeMapper.toProto(e, keys)));
                                }
                                return new Page<>("", items,
                                        more ? Long.toString(page.get(page.size() - 1).seq) : "");
                            }));
                }));
    }

    /** A held merge with its HELD entry. */
    public record HeldEntry(HeldMergeRow hold, LogEntry entry, IdentityChange change) {
    }

    /** The profiles an entry refers to, for listing a hold's profiles. */
    public Uni<Map<Long, List<String>>> refs(List<Long> seqs) {
        return Panache.withSession(
                () -> dev.cairn.identity.repository.LogProfileRef.<dev.cairn.identity.repository.LogProfileRef>list(
                        "seq in ?1 order by id", seqs).map(rows -> {
                            Map<Long, List<String>> out = new HashMap<>();
                            rows.forEach(r -> out.computeIfAbsent(r.seq, s -> new ArrayList<>()).add(r.profileId));
                            return out;
                        }));
    }

    private Uni<String> profileOf(String space, String profileId, Ident identifier) {
        if (identifier == null) {
            return Uni.createFrom().item(profileId);
        }
        return GraphNode.<GraphNode>findById(GraphNode.id(space, cipher.hash(identifier))).map(node -> {
            if (node == null) {
                throw new NotFoundException("no profile holds " + identifier.namespace() + " identifier");
            }
            return node.profileId;
        });
    }

    /** The profile and, transitively, every profile merged into it. */
    private Uni<Set<String>> lineage(String space, Set<String> frontier, Set<String> all) {
        return LogEntry.<LogEntry>list("space = ?1 and kind = 'IDENTITY_CHANGE_KIND_MERGED' and profileId in ?2",
                space, List.copyOf(frontier)).chain(merges -> {
                    Set<String> next = new LinkedHashSet<>();
                    for (LogEntry m : merges) {
                        for (String p : ChangeMapper.csv(m.absorbedProfileIds)) {
                            if (all.add(p)) {
                                next.add(p);
                            }
                        }
                    }
                    return next.isEmpty() ? Uni.createFrom().item(all) : lineage(space, next, all);
                });
    }

    private Uni<Map<String, byte[]>> withKeys(List<LogEntry> entries) {
        Set<String> hashes = new LinkedHashSet<>();
        entries.forEach(e -> EntryIdentifiers.read(e.identifiers).forEach(i -> hashes.add(i.h())));
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return IdentifierKey.<IdentifierKey>list("hash in ?1", List.copyOf(hashes)).map(keys -> {
            Map<String, byte[]> byHash = new HashMap<>();
            keys.forEach(k -> byHash.put(k.hash, k.keyBytes));
            return byHash;
        });
    }
}
