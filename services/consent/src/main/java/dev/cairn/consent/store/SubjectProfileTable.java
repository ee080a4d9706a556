package dev.cairn.consent.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * {@code subject_profile} a poll at a time: one statement reads every row a poll of identity changes can touch, one
 * deletes and one upserts what it changed, each taking the poll's keys as arrays ({@code = any}, {@code unnest}), so
 * a poll of any size costs the same three statements. Both writes are guarded by {@code identity_sequence}: a row
 * is never moved back to an older change, whoever wrote it meanwhile.
 */
@ApplicationScoped
public class SubjectProfileTable {

    private static final String COLUMNS = "subject_key, subject_namespace, subject_value, profile_id, identity_sequence";
    // Two index scans (primary key, subject_profile_profile) OR-ed by the planner.
    static final String ROWS = "select " + COLUMNS + " from subject_profile "
            + "where subject_key = any($1::text[]) or profile_id = any($2::text[])";
    static final String MEMBERS = "select " + COLUMNS + " from subject_profile where profile_id = any($1::text[])";
    static final String DETACH = "delete from subject_profile s using unnest($1::text[], $2::bigint[]) as d(k, q) "
            + "where s.subject_key = d.k and s.identity_sequence < d.q";
    static final String WRITE = "insert into subject_profile (" + COLUMNS + ") "
            + "select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) "
            + "on conflict (subject_key) do update set profile_id = excluded.profile_id, "
            + "identity_sequence = excluded.identity_sequence "
            + "where subject_profile.identity_sequence < excluded.identity_sequence";

    /** The rows of the given identifiers and every row of the given profiles. */
    public Uni<List<SubjectProfileRow>> rowsOf(SqlClient client, Collection<String> keys, Collection<String> profiles) {
        return client.preparedQuery(ROWS)
                .execute(Tuple.of(keys.toArray(String[]::new), profiles.toArray(String[]::new)))
                .map(SubjectProfileTable::rows);
    }

    /** Every row of the given profiles. */
    public Uni<List<SubjectProfileRow>> membersOf(SqlClient client, Collection<String> profiles) {
        if (profiles.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return client.preparedQuery(MEMBERS).execute(Tuple.of(profiles.toArray(String[]::new)))
                .map(SubjectProfileTable::rows);
    }

    /**
     * Deletes the {@code detached} rows (key to the sequence of the change that detached it) still older than that
     * change, then upserts {@code written}; at most two statements, in the caller's transaction.
     */
    public Uni<Void> write(SqlClient client, Map<String, Long> detached, List<SubjectProfileRow> written) {
        Uni<Void> deleted = detached.isEmpty()
                ? Uni.createFrom().voidItem()
                : client.preparedQuery(DETACH).execute(Tuple.of(detached.keySet().toArray(String[]::new),
                        detached.values().toArray(Long[]::new))).replaceWithVoid();
        if (written.isEmpty()) {
            return deleted;
        }
        Tuple args = Tuple.tuple()
                .addValue(written.stream().map(SubjectProfileRow::subjectKey).toArray(String[]::new))
                .addValue(written.stream().map(SubjectProfileRow::subjectNamespace).toArray(String[]::new))
                .addValue(written.stream().map(SubjectProfileRow::subjectValue).toArray(String[]::new))
                .addValue(written.stream().map(SubjectProfileRow::profileId).toArray(String[]::new))
                .addValue(written.stream().map(SubjectProfileRow::identitySequence).toArray(Long[]::new));
        return deleted.chain(() -> client.preparedQuery(WRITE).execute(args)).replaceWithVoid();
    }

    private static List<SubjectProfileRow> rows(RowSet<Row> result) {
        List<SubjectProfileRow> rows = new ArrayList<>(result.rowCount());
        for (Row r : result) {
            rows.add(new SubjectProfileRow(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
                    r.getLong(4)));
        }
        return rows;
    }
}
