package dev.cairn.identity.store;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.cairn.identity.service.IdentifierCipher;

/**
 * The identifiers' encryption keys ({@code identity_key}: one AES-256-GCM key per keyed hash). Erasure deletes a
 * key, which is what makes the log's copy of the value unreadable. Set-based: one statement for any number of
 * identifiers.
 */
@ApplicationScoped
public class KeyStore {

    private static final String SELECT = "select hash, key_bytes from identity_key where hash = any($1)";
    /** Keys are per identifier, not per space: two spaces may create the same one at once, the first wins. */
    private static final String INSERT = "insert into identity_key (hash, key_bytes, created_at) "
            + "select * from unnest($1::text[], $2::bytea[], $3::timestamptz[]) on conflict (hash) do nothing "
            + "returning hash";

    /** The keys that exist of these identifiers. */
    public Uni<Map<String, byte[]>> find(SqlClient client, Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(new HashMap<>());
        }
        return client.preparedQuery(SELECT).execute(Tuple.of(hashes.toArray(String[]::new))).map(rows -> {
            Map<String, byte[]> keys = new HashMap<>();
            for (Row row : rows) {
                keys.put(row.getString(0), row.getBuffer(1).getBytes());
            }
            return keys;
        });
    }

    /** The keys of these identifiers, creating one for every identifier that has none yet. */
    public Uni<Map<String, byte[]>> findOrCreate(SqlClient client, Collection<String> hashes) {
        return find(client, hashes).chain(found -> {
            List<String> missing = new ArrayList<>();
            for (String h : new LinkedHashSet<>(hashes)) {
                if (!found.containsKey(h)) {
                    missing.add(h);
                }
            }
            if (missing.isEmpty()) {
                return Uni.createFrom().item(found);
            }
            Map<String, byte[]> created = new HashMap<>();
            Buffer[] bytes = new Buffer[missing.size()];
            OffsetDateTime[] at = new OffsetDateTime[missing.size()];
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            for (int i = 0; i < missing.size(); i++) {
                byte[] key = IdentifierCipher.newKey();
                created.put(missing.get(i), key);
                bytes[i] = Buffer.buffer(key);
                at[i] = now;
            }
            return client.preparedQuery(INSERT)
                    .execute(Tuple.tuple().addValue(missing.toArray(String[]::new)).addValue(bytes).addValue(at))
                    .chain(rows -> {
                        List<String> lost = new ArrayList<>(missing);
                        for (Row row : rows) {
                            String hash = row.getString(0);
                            found.put(hash, created.get(hash));
                            lost.remove(hash);
                        }
                        // Another space created these first: theirs is the key.
                        return lost.isEmpty()
                                ? Uni.createFrom().item(found)
                                : find(client, lost).map(theirs -> {
                                    found.putAll(theirs);
                                    return found;
                                });
                    });
        });
    }
}
