package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.json;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.testsupport.ConnectWorker;
import dev.cairn.testsupport.KafkaBroker;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TopicReader;

/**
 * Issue 17's first slice, end to end against real processes: events sent through ingest reach a PostgreSQL warehouse
 * through a Kafka Connect worker (distributed mode, SASL/SCRAM as its own principal, the delivery plan's ACLs) running
 * Debezium's JDBC sink and Cairn's EventStructConverter, with the connectors rendered and applied from the shipped
 * contracts/ingest/destinations.yaml by the same command {@code ./cairn up} runs. Each destination's table holds what
 * its consent purposes and PII policy allow, and redelivery (a killed worker, a replay) never duplicates a row.
 */
@QuarkusTest
class DeliveryToWarehouseTest {

    private static final Path CONTRACTS = Path.of(System.getProperty("test.cairn.root")).resolve("contracts");
    private static final Duration DELIVERY = Duration.ofSeconds(90);
    private static final List<String> CONNECTORS = List.of("cairn-delivery-governed",
            "cairn-delivery-email_marketing", "cairn-delivery-advertising");

    private static ConnectWorker connect;
    private static String warehouse;

    @Inject
    ConsentStateView consentView;

    @BeforeAll
    static void startDelivery() throws Exception {
        var postgres = RealInfra.postgres();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "")) {
            c.createStatement().execute("CREATE DATABASE warehouse");
        }
        warehouse = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/warehouse";
        // The connection's settings as the worker's DirectoryConfigProvider reads them: one file per key, as a
        // mounted Kubernetes Secret gives them. The rendered connector configs only reference these files.
        Path connections = Files.createTempDirectory("cairn-connections-");
        Path settings = Files.createDirectories(connections.resolve("warehouse"));
        Files.writeString(settings.resolve("url"), warehouse);
        Files.writeString(settings.resolve("username"), "postgres");
        Files.writeString(settings.resolve("password"), "trust-auth-ignores-it");
        connect = ConnectWorker.start(Files.createTempDirectory("cairn-connect-"), RealInfra.kafka(), CONTRACTS,
                connections);
        connect.deliveryCommand("apply", CONTRACTS.toString(), connections.toString(), "1");
        awaitConnectorsRunning();
    }

    @AfterAll
    static void stopDelivery() {
        if (connect != null) {
            connect.close();
        }
    }

    @Test
    void each_destinations_table_holds_what_its_consent_and_pii_policy_allow() throws Exception {
        String everything = id("ada");
        String analyticsOnly = id("bob");
        grant(everything, "analytics", "marketing_email", "advertising");
        grant(analyticsOnly, "analytics");
        String adaEmail = "ada." + everything + "@example.com";
        String bobEmail = "bob." + analyticsOnly + "@example.com";
        EventInput ada = purchase(id("ada-order"), everything, adaEmail);
        EventInput bob = purchase(id("bob-order"), analyticsOnly, bobEmail);

        List<EventResult> results = send("web", List.of(ada, bob)).getResultsList();

        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, results.get(0).getOutcome(), results.get(0).toString());
        assertEquals(List.of(), results.get(0).getSuppressedDestinationsList());
        assertEquals(List.of("email_marketing", "advertising"), results.get(1).getSuppressedDestinationsList());

        // governed (analytics): both subjects; email pseudonymized, IP dropped, planned properties typed
        Map<String, Object> governedAda = awaitRow("governed_events", ada.getMessageId());
        Map<String, Object> governedBob = awaitRow("governed_events", bob.getMessageId());
        String adaPseudonym = (String) governedAda.get("prop_email");
        assertTrue(adaPseudonym.startsWith("hmac-sha256:"), "email is a keyed hash: " + adaPseudonym);
        assertNotIn(governedAda, adaEmail, "203.0.113.9");
        assertNotIn(governedBob, bobEmail, "203.0.113.9");
        assertFalse(((String) governedAda.get("context")).contains("\"ip\""), "a dropped field is absent");
        assertEquals(12.5, governedAda.get("prop_total"));
        assertEquals("EUR", governedAda.get("prop_currency"));
        assertEquals(everything, governedAda.get("user_id"));
        assertEquals("web", governedAda.get("source_id"));

        // email_marketing (marketing_email): the email in clear, as its policy keeps it; only the consenting subject
        Map<String, Object> marketingAda = awaitRow("email_marketing_events", ada.getMessageId());
        assertEquals(adaEmail, marketingAda.get("prop_email"));
        assertNotIn(marketingAda, "203.0.113.9");

        // advertising: the same keyed hash as governed (joins work), the name dropped
        Map<String, Object> advertisingAda = awaitRow("advertising_events", ada.getMessageId());
        assertEquals(adaPseudonym, advertisingAda.get("prop_email"));
        assertNotIn(advertisingAda, adaEmail, "Ada Lovelace");
        assertTrue(((String) governedAda.get("traits")).contains("Ada Lovelace"), "governed keeps the name");

        // Ada's rows came from the same Kafka transaction as Bob's records, so the sinks have read past where Bob's
        // would be: the consent gate kept them off these destinations, and they are not in their tables.
        assertEquals(Optional.empty(), row("email_marketing_events", bob.getMessageId()));
        assertEquals(Optional.empty(), row("advertising_events", bob.getMessageId()));
        for (String table : List.of("governed_events", "email_marketing_events", "advertising_events")) {
            assertEquals(0, count("SELECT count(*) FROM " + table + " WHERE properties LIKE ?", "%" + bobEmail + "%"),
                    table + " never holds Bob's address in clear");
        }

        // typed columns from the tracking plan, created by the sink from the converter's schema
        Map<String, String> types = columnTypes("governed_events");
        assertEquals("double precision", types.get("prop_total"));
        assertTrue(types.get("event_time").startsWith("timestamp"), types.toString());
        assertEquals(List.of("message_id", "source_id"), primaryKey("governed_events"));
    }

    @Test
    void redelivery_after_a_killed_worker_and_a_full_replay_never_duplicates_a_row() throws Exception {
        String user = id("replayed");
        grant(user, "analytics", "advertising");
        List<EventInput> events = IntStream.range(0, 30)
                .mapToObj(i -> purchase(id("replay-" + i), user, "r" + i + "." + user + "@example.com")).toList();
        assertTrue(send("backend", events).getResultsList().stream()
                .allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_ACCEPTED));
        Awaitility.await("30 rows in advertising_events").atMost(DELIVERY).pollInterval(Duration.ofMillis(250))
                .until(() -> countOf("advertising_events", user) == 30);
        // Every write the sink makes to the table from here on, counted, so the test sees redelivery happen.
        execute("CREATE TABLE IF NOT EXISTS sink_writes (message_id text, op text)");
        execute("CREATE OR REPLACE FUNCTION count_sink_write() RETURNS trigger AS $$ BEGIN"
                + " INSERT INTO sink_writes VALUES (NEW.message_id, TG_OP); RETURN NEW; END $$ LANGUAGE plpgsql");
        execute("CREATE OR REPLACE TRIGGER sink_writes AFTER INSERT OR UPDATE ON advertising_events"
                + " FOR EACH ROW EXECUTE FUNCTION count_sink_write()");

        // A worker killed without a shutdown delivers again whatever it had not committed.
        connect.killAndRestart();
        awaitConnectorsRunning();
        // A replay delivers the whole retained topic again, from its first offset.
        String replay = connect.deliveryCommand("replay", CONTRACTS.toString(), "advertising");
        assertTrue(replay.contains("replaying cairn.dest.advertising.v1"), replay);
        awaitConnectorsRunning();
        // Same subject, same partition, after the 30: once its row is there, the replay has passed them.
        EventInput marker = purchase(id("after-replay"), user, "marker." + user + "@example.com");
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, send("backend", List.of(marker)).getResults(0).getOutcome());
        awaitRow("advertising_events", marker.getMessageId());

        long rewritten = count("SELECT count(DISTINCT w.message_id) FROM sink_writes w"
                + " JOIN advertising_events e ON e.message_id = w.message_id"
                + " WHERE w.op = 'UPDATE' AND e.user_id = ?", user);
        assertEquals(30, rewritten, "the replay delivered every event again");
        assertEquals(31, countOf("advertising_events", user), "and each is still one row");
        assertEquals(count("SELECT count(*) FROM advertising_events"),
                count("SELECT count(DISTINCT (source_id, message_id)) FROM advertising_events"));
        assertTrue(connect.running("cairn-delivery-advertising"), "upserts never fail on the primary key");
    }

    @Test
    void a_worker_killed_while_it_delivers_loses_nothing_and_duplicates_nothing() throws Exception {
        String user = id("killed");
        grant(user, "analytics");
        List<String> ids = new ArrayList<>();
        for (int batch = 0; batch < 10; batch++) {
            List<EventInput> events = IntStream.range(0, 40)
                    .mapToObj(i -> purchase(id("kill"), user, user + "@example.com")).toList();
            events.forEach(e -> ids.add(e.getMessageId()));
            assertTrue(send("backend", events).getResultsList().stream()
                    .allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_ACCEPTED));
        }
        // SIGKILL once the sink is part-way through: it has written rows whose offsets it may not have committed.
        Awaitility.await("the sink part-way through").atMost(DELIVERY).pollInterval(Duration.ofMillis(20))
                .until(() -> countOf("governed_events", user) > 0);
        long atKill = countOf("governed_events", user);
        connect.killAndRestart();
        awaitConnectorsRunning();

        Awaitility.await("all 400 events in governed_events").atMost(DELIVERY).pollInterval(Duration.ofMillis(250))
                .until(() -> countOf("governed_events", user) >= ids.size());
        assertEquals(ids.size(), countOf("governed_events", user),
                "each event exactly once (" + atKill + " rows were written when the worker was killed)");
        for (String messageId : List.of(ids.get(0), ids.get(ids.size() / 2), ids.get(ids.size() - 1))) {
            assertTrue(row("governed_events", messageId).isPresent(), messageId);
        }
    }

    @Test
    void a_record_that_is_not_an_event_is_dead_lettered_and_delivery_carries_on() throws Exception {
        byte[] poison = "not a protobuf event".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(RealInfra.kafka().operatorConfig(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("cairn.dest.advertising.v1", "poison", poison)).get();
        }
        String user = id("after-poison");
        grant(user, "analytics", "advertising");
        EventInput after = purchase(id("after-poison"), user, user + "@example.com");
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, send("web", List.of(after)).getResults(0).getOutcome());

        awaitRow("advertising_events", after.getMessageId());
        var dead = Awaitility.await("the poison on the dead-letter topic").atMost(DELIVERY)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> TopicReader.read("cairn.dead-letters.delivery-advertising.v1",
                        r -> Arrays.equals(r.value(), poison), 1, Duration.ofSeconds(2)), l -> !l.isEmpty());
        var headers = dead.get(0).headers();
        assertEquals("cairn.dest.advertising.v1",
                new String(headers.lastHeader("__connect.errors.topic").value(), StandardCharsets.UTF_8));
        assertTrue(new String(headers.lastHeader("__connect.errors.exception.message").value(),
                StandardCharsets.UTF_8).contains("is not a cairn.events.v1.Event"));
        assertTrue(connect.running("cairn-delivery-advertising"));
    }

    @Test
    void the_connect_principal_cannot_read_what_no_destination_delivers() {
        Map<String, Object> config = RealInfra.kafka().clientConfig(KafkaBroker.CONNECT,
                Map.of("group.id", "connect-cairn-delivery-probe", "auto.offset.reset", "earliest"));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("cairn.events.raw.v1"));
            assertThrows(TopicAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(10)),
                    "raw events, before consent and PII policy, are not Connect's to read");
        }
    }

    /** An Order Completed with every kind of PII the destinations treat differently. */
    private static EventInput purchase(String messageId, String user, String email) {
        return order(messageId, user).toBuilder()
                .setProperties(json("{\"order_id\": \"" + messageId + "\", \"total\": 12.5, \"currency\": \"EUR\","
                        + " \"email\": \"" + email + "\"}"))
                .setContext(json("{\"ip\": \"203.0.113.9\", \"traits\": {\"email\": \"" + email + "\"}}"))
                .setTraits(json("{\"name\": \"Ada Lovelace\"}"))
                .build();
    }

    private void grant(String user, String... purposes) throws Exception {
        ConsentState.Builder state = ConsentState.newBuilder()
                .setSubject(Identifier.newBuilder().setNamespace("user_id").setValue(user)).setStateVersion(1);
        for (String purpose : purposes) {
            state.addPurposes(PurposeConsent.newBuilder().setPurpose(purpose).setJurisdiction("EU")
                    .setStatus(ConsentStatus.CONSENT_STATUS_GRANTED)
                    .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE).setPolicyVersion("2026-11-01")
                    .setRecordId("r-" + purpose)
                    .setRecordedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond())));
        }
        String key = SubjectKeys.key("user_id", user);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(RealInfra.kafka().operatorConfig(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("cairn.consent.state.v1", key, state.build().toByteArray())).get();
        }
        Awaitility.await("the consent view applies " + key).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(() -> consentView.state(key).isPresent());
    }

    private static void awaitConnectorsRunning() {
        Awaitility.await("the delivery connectors running").atMost(DELIVERY).pollInterval(Duration.ofMillis(500))
                .until(() -> CONNECTORS.stream().allMatch(connect::running));
    }

    private static void assertNotIn(Map<String, Object> row, String... values) {
        for (String value : values) {
            assertFalse(row.toString().contains(value), "row must not hold " + value + ": " + row);
        }
    }

    private static Map<String, Object> awaitRow(String table, String messageId) {
        return Awaitility.await(messageId + " in " + table).atMost(DELIVERY).pollInterval(Duration.ofMillis(250))
                .until(() -> row(table, messageId), Optional::isPresent).get();
    }

    private static Optional<Map<String, Object>> row(String table, String messageId) throws SQLException {
        try (Connection c = DriverManager.getConnection(warehouse, "postgres", "")) {
            if (!tableExists(c, table)) {
                return Optional.empty();
            }
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM " + table + " WHERE message_id = ?")) {
                s.setString(1, messageId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Map<String, Object> row = new HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
                    }
                    return Optional.of(row);
                }
            }
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(warehouse, "postgres", "")) {
            c.createStatement().execute(sql);
        }
    }

    private static long countOf(String table, String user) throws SQLException {
        return count("SELECT count(*) FROM " + table + " WHERE user_id = ?", user);
    }

    private static long count(String sql, String... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(warehouse, "postgres", "");
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the sink creates the table with its first row
            }
            throw e;
        }
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, "public", table, null)) {
            return rs.next();
        }
    }

    private static Map<String, String> columnTypes(String table) throws SQLException {
        Map<String, String> types = new HashMap<>();
        try (Connection c = DriverManager.getConnection(warehouse, "postgres", "");
                PreparedStatement s = c.prepareStatement(
                        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return types;
    }

    private static List<String> primaryKey(String table) throws SQLException {
        Set<String> columns = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(warehouse, "postgres", "");
                ResultSet rs = c.getMetaData().getPrimaryKeys(null, "public", table)) {
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME"));
            }
        }
        return List.copyOf(columns);
    }
}
