package dev.cairn.consent.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What deriving the consent state of many profiles at once reads, one statement each whatever their number: the
 * groups' advisory locks, the ledger records of their identifiers, and state versions.
 */
@ApplicationScoped
public class StateInputs {

    /**
     * Transaction-scoped advisory locks on the groups' hashes, taken in hash order: two transactions that lock
     * overlapping sets wait for each other instead of deadlocking. PostgreSQL evaluates a volatile function of the
     * select list after the sort, so the order holds.
     */
    static final String LOCK = "select count(*) from (select pg_advisory_xact_lock(h) from "
            + "(select distinct hashtext(g) as h from unnest($1::text[]) as g) x order by h) l";
    static final String RECORDS = "select id, subject_key, subject_namespace, subject_value, purpose, jurisdiction, "
            + "jurisdiction_in, status, source, legal_basis, legal_basis_in, policy_version, policy_version_in, "
            + "occurred_at, recorded_at, recorded_by, client_record_id from consent_record "
            + "where subject_key = any($1::text[])";
    static final String VERSIONS = "select nextval('consent_state_version') from generate_series(1, $1)";

    public Uni<Void> lock(SqlClient client, Collection<String> groups) {
        return client.preparedQuery(LOCK).execute(Tuple.of(groups.toArray(String[]::new))).replaceWithVoid();
    }

    /** The ledger records of the given identifiers, as detached entities (values for StateDerivation). */
    public Uni<List<ConsentRecordEntity>> records(SqlClient client, Collection<String> subjectKeys) {
        return client.preparedQuery(RECORDS).execute(Tuple.of(subjectKeys.toArray(String[]::new))).map(rows -> {
            List<ConsentRecordEntity> records = new ArrayList<>(rows.rowCount());
            for (Row r : rows) {
                ConsentRecordEntity e = new ConsentRecordEntity();
                e.id = r.getUUID("id");
                e.subjectKey = r.getString("subject_key");
                e.subjectNamespace = r.getString("subject_namespace");
                e.subjectValue = r.getString("subject_value");
                e.purpose = r.getString("purpose");
                e.jurisdiction = r.getString("jurisdiction");
                e.jurisdictionIn = r.getString("jurisdiction_in");
                e.status = r.getString("status");
                e.source = r.getString("source");
                e.legalBasis = r.getString("legal_basis");
                e.legalBasisIn = r.getString("legal_basis_in");
                e.policyVersion = r.getString("policy_version");
                e.policyVersionIn = r.getString("policy_version_in");
                e.occurredAt = r.getOffsetDateTime("occurred_at").toInstant();
                e.recordedAt = r.getOffsetDateTime("recorded_at").toInstant();
                e.recordedBy = r.getString("recorded_by");
                e.clientRecordId = r.getString("client_record_id");
                records.add(e);
            }
            return records;
        });
    }

    /** {@code n} new state versions, increasing. */
    public Uni<List<Long>> nextVersions(SqlClient client, int n) {
        return client.preparedQuery(VERSIONS).execute(Tuple.of(n)).map(rows -> {
            List<Long> versions = new ArrayList<>(n);
            rows.forEach(r -> versions.add(r.getLong(0)));
            return versions;
        });
    }
}
