package dev.cairn.consent.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Appends reads of personal data to {@code audit_entry}, one row per subject of a read, all rows of a poll in one
 * pipelined statement batch. Idempotent: a row whose (record id, subject hash) is already there is skipped, so a
 * read Kafka delivers again, or a poll retried after a crash, is stored once.
 */
@ApplicationScoped
public class ReadAuditStore {

    static final String APPEND = "insert into audit_entry "
            + "(at, actor, action, subject_hash, detail, record_id, client, purpose, data_kinds) "
            + "values ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            + "on conflict (record_id, subject_hash) where record_id is not null do nothing";

    /** One row: who read what about one subject (a keyed hash), when, under which purpose. */
    public record ReadEntry(Instant at, String actor, String action, String subjectHash, String detail,
            String recordId, String client, String purpose, List<String> dataKinds) {
    }

    /** Appends the entries (those already stored are skipped), in the caller's transaction. */
    public Uni<Void> append(SqlClient client, List<ReadEntry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = entries.stream()
                .map(e -> Tuple.tuple(List.of(OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC), e.actor(), e.action(),
                        e.subjectHash(), e.detail(), e.recordId(), e.client(), e.purpose(),
                        e.dataKinds().toArray(String[]::new))))
                .toList();
        return client.preparedQuery(APPEND).executeBatch(rows).replaceWithVoid();
    }
}
