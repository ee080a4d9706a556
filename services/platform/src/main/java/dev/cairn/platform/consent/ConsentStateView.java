package dev.cairn.platform.consent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * An in-process materialized view of the compacted topic {@code cairn.consent.state.v1} (ConsentState keyed by
 * {@code namespace:value}; a null value is a tombstone: the subject was erased), and consent decisions made from
 * it with {@link ConsentDecision}. Consent and ingest use it so that no decision on the hot path waits on
 * PostgreSQL or the network.
 *
 * <p>
 * A plain class: {@link #start()} spawns one daemon thread that assigns itself every partition (no consumer
 * group, no committed offsets: every instance reads the whole topic from the beginning, which compaction keeps
 * small) and applies records in order. {@link #caughtUp()} turns true once the view has consumed up to the end
 * offsets observed when it started, and never turns false again. Until then the view does not know consent: a
 * half-read view would allow an opt-out purpose its subject withdrew, or take in an erased subject's events. So
 * every read ({@link #decide}, {@link #decideAsRecorded}, {@link #state}, {@link #erased}) refuses with
 * {@link DependencyUnavailableException} before, and callers answer "retry" (gRPC UNAVAILABLE, ingest's RETRY
 * outcome). Values with a lower {@code state_version} than the one held are ignored, so a stale value delivered
 * late cannot undo a newer one.
 *
 * <p>
 * After catching up the view measures how far behind it is ({@link #lag()}): in records, from the end offsets it
 * reads every {@code lagCheckInterval}, and in time, since the latest end offsets it had reached were read. A
 * view behind by more than the configured bound still answers (what it holds is consent minus the newest
 * changes) but reports it, so the service is taken out of rotation ({@link ConsentViewReadiness}).
 *
 * <p>
 * With a {@link Suppression}, the same thread also reads {@code cairn.privacy.suppression.v1}: keyed hashes of
 * erased identifiers, kept forever. A tombstone on the state topic is compacted away in time, and a replay of
 * the raw topic would then bring an erased subject back; the suppression entry never goes, so
 * {@link #erased} stays true for that identifier.
 *
 * <p>
 * Thread-safe: reads are lock-free map lookups.
 */
public final class ConsentStateView implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConsentStateView.class);

    /**
     * Where erased identifiers are listed, and the secret their keyed hashes ({@link SubjectKeys#suppressionHash})
     * are made with: the same secret consent hashes them with.
     */
    public record Suppression(String topic, String key) {
        public Suppression {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("the suppression key is empty: set CAIRN_SUPPRESSION_KEY, the "
                        + "secret consent hashes erased identifiers with");
            }
        }
    }

    /**
     * How far behind the view is: records on its topics it has not applied yet (as of the last end offsets it
     * read), and how long ago the latest end offsets it has reached were read (so a view that stopped reading
     * shows a growing time even if it does not know about new records).
     */
    public record Lag(long records, Duration time) {

        /** True if either measure is beyond its bound. */
        public boolean beyond(long maxRecords, Duration maxTime) {
            return records > maxRecords || time.compareTo(maxTime) > 0;
        }
    }

    /** End offsets of every partition the view reads, and when they were read. */
    private record Watermark(long readAtMillis, Map<TopicPartition, Long> endOffsets) {

        boolean reachedBy(KafkaConsumer<?, ?> c) {
            return endOffsets.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
        }

        long behind(KafkaConsumer<?, ?> c) {
            return endOffsets.entrySet().stream().mapToLong(e -> Math.max(0, e.getValue() - c.position(e.getKey())))
                    .sum();
        }
    }

    private final ConsentPolicy policy;
    private final String topic;
    private final Optional<Suppression> suppression;
    private final Duration lagCheckInterval;
    private final Set<String> suppressedHashes = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<javax.crypto.Mac> hmac;
    private final Map<String, Object> consumerConfig;
    private final Map<String, SubjectConsent> states = new ConcurrentHashMap<>();
    private final Set<String> erased = ConcurrentHashMap.newKeySet();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private volatile boolean caughtUp;
    private final CountDownLatch caughtUpLatch = new CountDownLatch(1);
    private volatile boolean detached;
    private volatile boolean closed;
    private volatile long lagRecords;
    /** When the latest end offsets the view has reached were read (at start: when it started). */
    private volatile long freshAsOfMillis = System.currentTimeMillis();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile BiConsumer<String, Optional<SubjectConsent>> listener = (k, v) -> {
    };
    private Thread thread;

    /**
     * @param policy the consent policy decisions apply
     * @param kafkaConfig the service's Kafka client settings (bootstrap servers, security: {@code KafkaClients#config})
     *        and any extra consumer properties
     * @param topic normally {@code cairn.consent.state.v1}
     * @param suppression when present, the view also reads the suppression topic and treats the identifiers it
     *        lists as erased
     * @param lagCheckInterval how often the view reads its topics' end offsets to measure its lag
     */
    public ConsentStateView(ConsentPolicy policy, Map<String, Object> kafkaConfig, String topic,
            Optional<Suppression> suppression, Duration lagCheckInterval) {
        this.policy = policy;
        this.topic = topic;
        this.suppression = suppression;
        this.lagCheckInterval = lagCheckInterval;
        this.hmac = ThreadLocal.withInitial(() -> suppression.map(ConsentStateView::mac).orElse(null));
        Map<String, Object> cfg = new HashMap<>(kafkaConfig);
        cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cfg.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumerConfig = cfg;
    }

    /**
     * A view that is never fed from Kafka and counts as caught up: for unit tests, which {@link #apply} records by
     * hand.
     */
    public static ConsentStateView detached(ConsentPolicy policy) {
        return detached(policy, Optional.empty());
    }

    /** A detached view that also knows a suppression key, so tests can {@link #suppress} by hand. */
    public static ConsentStateView detached(ConsentPolicy policy, Optional<Suppression> suppression) {
        ConsentStateView view = new ConsentStateView(policy,
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:0"), "unused", suppression,
                Duration.ofSeconds(1));
        view.caughtUp = true;
        view.caughtUpLatch.countDown();
        view.detached = true;
        return view;
    }

    private static javax.crypto.Mac mac(Suppression s) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(s.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "HmacSHA256"));
            return mac;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Starts consuming on a daemon thread. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        freshAsOfMillis = System.currentTimeMillis();
        thread = new Thread(this::run, "consent-state-view");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called after each applied record with the key and the new state (empty: erased). Runs on the view's thread. */
    public void onChange(BiConsumer<String, Optional<SubjectConsent>> listener) {
        this.listener = listener;
    }

    /**
     * True once every record that existed on the topics when the view started reading them has been applied. Never
     * turns false again.
     */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Waits until the view has caught up, at most {@code timeout}; true if it has. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUpLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** How far behind the end of its topics the view is (zero for a detached view). */
    public Lag lag() {
        if (detached) {
            return new Lag(0, Duration.ZERO);
        }
        return new Lag(lagRecords, Duration.ofMillis(Math.max(0, System.currentTimeMillis() - freshAsOfMillis)));
    }

    /** The state topic this view reads. */
    public String topic() {
        return topic;
    }

    /** How many records the view has applied since it started. */
    public long appliedRecords() {
        return applied.get();
    }

    /** How many subjects the view holds. */
    public int size() {
        return states.size();
    }

    public ConsentPolicy policy() {
        return policy;
    }

    /**
     * A subject's current state, if consent published one.
     *
     * @throws DependencyUnavailableException before the view has caught up
     */
    public Optional<SubjectConsent> state(String subjectKey) {
        requireCaughtUp();
        return Optional.ofNullable(states.get(subjectKey));
    }

    /**
     * True if a tombstone for the subject was seen (and no state since), or the suppression topic lists the
     * identifier.
     *
     * @throws DependencyUnavailableException before the view has caught up
     */
    public boolean erased(String subjectKey) {
        requireCaughtUp();
        return isErased(subjectKey);
    }

    private boolean isErased(String subjectKey) {
        return erased.contains(subjectKey) || suppressed(subjectKey);
    }

    /** True if the suppression topic lists the identifier (by its keyed hash), as far as the view has read. */
    public boolean suppressed(String subjectKey) {
        if (suppressedHashes.isEmpty()) {
            return false; // the common case costs no hashing
        }
        javax.crypto.Mac mac = hmac.get();
        if (mac == null) {
            return false;
        }
        return suppressedHashes.contains(java.util.HexFormat.of()
                .formatHex(mac.doFinal(subjectKey.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    /** How many identifiers the suppression topic lists. */
    public int suppressedCount() {
        return suppressedHashes.size();
    }

    /**
     * Applies one record of the suppression topic: a keyed hash is listed (a value) or unlisted (a tombstone, an
     * operator's deliberate undo). Public for read-your-writes in consent and for tests.
     */
    public void suppress(String identifierHash, boolean listed) {
        if (listed) {
            suppressedHashes.add(identifierHash);
        } else {
            suppressedHashes.remove(identifierHash);
        }
    }

    /**
     * Applies one record of the topic: a value (protobuf ConsentState) or a tombstone ({@code null}). Public so
     * the consent service can apply what it has just published (read-your-writes) and tests can feed the view.
     */
    public void apply(String subjectKey, byte[] value) {
        if (value == null) {
            states.remove(subjectKey);
            erased.add(subjectKey);
            applied.incrementAndGet();
            listener.accept(subjectKey, Optional.empty());
            return;
        }
        SubjectConsent next = SubjectConsent.parse(value);
        boolean[] changed = {false};
        states.compute(subjectKey, (k, held) -> {
            if (held != null && held.stateVersion() > next.stateVersion()) {
                return held; // a stale value delivered late
            }
            changed[0] = true;
            return next;
        });
        if (changed[0]) {
            erased.remove(subjectKey);
            listener.accept(subjectKey, Optional.of(next));
        }
        applied.incrementAndGet();
    }

    /**
     * Decides whether {@code purpose} is allowed for a subject known by one or more identifiers (subject keys
     * {@code namespace:value}, see {@link SubjectKeys#key}; e.g. an event's user_id and anonymous_id), by
     * {@link ConsentDecision}.
     *
     * @param jurisdiction the jurisdiction to apply whatever was recorded (a Decide query naming one); empty: the
     *        jurisdiction of the deciding record, else the policy's default jurisdiction
     * @throws DependencyUnavailableException before the view has caught up
     */
    public ConsentDecision.Decision decide(List<String> subjectKeys, String purpose, Optional<String> jurisdiction) {
        return decide(subjectKeys, purpose, ConsentDecision.Jurisdiction.asked(jurisdiction));
    }

    /**
     * Decides as data in flight must be: under the jurisdiction of the deciding record, else {@code fallback}
     * (the event's, else its source's), else the policy's default. A choice is never re-decided under another
     * jurisdiction: a grant recorded where the purpose is denied stays denied (POLICY), whatever the fallback
     * would allow.
     *
     * @throws DependencyUnavailableException before the view has caught up
     */
    public ConsentDecision.Decision decideAsRecorded(List<String> subjectKeys, String purpose, String fallback) {
        return decide(subjectKeys, purpose, ConsentDecision.Jurisdiction.asRecorded(fallback));
    }

    private ConsentDecision.Decision decide(List<String> subjectKeys, String purpose,
            ConsentDecision.Jurisdiction jurisdiction) {
        requireCaughtUp();
        List<ConsentDecision.Recorded> recorded = new ArrayList<>(subjectKeys.size());
        for (String key : subjectKeys) {
            recorded.add(isErased(key)
                    ? ConsentDecision.Recorded.erased(key)
                    : ConsentDecision.Recorded.of(key, Optional.ofNullable(states.get(key))));
        }
        return ConsentDecision.decide(policy, recorded, purpose, jurisdiction);
    }

    private void requireCaughtUp() {
        if (!caughtUp) {
            throw new DependencyUnavailableException("consent view",
                    "it has not caught up with " + topic + " yet (" + applied.get()
                            + " records applied so far), so consent is not known; retry shortly",
                    null);
        }
    }

    private void run() {
        while (!closed) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                List<TopicPartition> partitions = new ArrayList<>(partitions(c, topic));
                List<TopicPartition> suppressionPartitions = suppression.isPresent()
                        ? partitions(c, suppression.get().topic())
                        : List.of();
                if (partitions.isEmpty() || (suppression.isPresent() && suppressionPartitions.isEmpty())) {
                    LOG.warnf("topic %s does not exist yet; the consent view waits for it",
                            partitions.isEmpty() ? topic : suppression.get().topic());
                    sleep(Duration.ofSeconds(1));
                    continue;
                }
                partitions.addAll(suppressionPartitions);
                c.assign(partitions);
                c.seekToBeginning(partitions);
                // The end offsets observed at start: the view knows consent once it has reached them. After that,
                // `pending` is the oldest end offsets read and not yet reached, `latest` the newest read.
                Watermark pending = watermark(c, partitions);
                Watermark latest = pending;
                while (!closed) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        applyRecord(r);
                    }
                    if (pending != null && pending.reachedBy(c)) {
                        boolean all = latest.reachedBy(c);
                        freshAsOfMillis = (all ? latest : pending).readAtMillis();
                        pending = all ? null : latest;
                        if (!caughtUp) {
                            caughtUp = true;
                            caughtUpLatch.countDown();
                            LOG.infof("consent view caught up with %s: %d records, %d subjects, %d suppressed "
                                    + "identifiers", topic, applied.get(), states.size(), suppressedHashes.size());
                        }
                    }
                    if (System.currentTimeMillis() - latest.readAtMillis() >= lagCheckInterval.toMillis()) {
                        latest = watermark(c, partitions);
                        if (pending == null) {
                            pending = latest;
                        }
                    }
                    lagRecords = latest.behind(c);
                }
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.errorf(e, "consent view of %s failed; restarting from the beginning", topic);
                    sleep(Duration.ofSeconds(1));
                }
            }
        }
    }

    /**
     * Applies one consumed record of either topic. A record the view cannot read (no key, or a value that is not a
     * ConsentState) is skipped, counted ({@link #unreadableRecords()}) and logged: it must not stop the view, which
     * would otherwise fail, restart from the beginning and fail on it again forever, never catching up. The state
     * held for its key stays as it was, as for a stale value; the next readable value for the key replaces it.
     * Nothing is dead-lettered: every instance of every service reads the whole topic, and each would write the
     * same letter. Package-private for tests.
     *
     * @return false if the record was skipped
     */
    boolean applyRecord(ConsumerRecord<String, byte[]> r) {
        try {
            if (r.key() == null) {
                throw new IllegalArgumentException("a record without a key");
            }
            if (r.topic().equals(topic)) {
                apply(r.key(), r.value());
            } else {
                suppress(r.key(), r.value() != null);
            }
            return true;
        } catch (RuntimeException e) {
            unreadable.incrementAndGet();
            LOG.errorf("consent view: skipped unreadable record %s-%d@%d (key %s): %s", r.topic(), r.partition(),
                    r.offset(), r.key(), e.getMessage());
            return false;
        }
    }

    /** Records skipped because the view could not read them, since it started (see {@link #applyRecord}). */
    public long unreadableRecords() {
        return unreadable.get();
    }

    private static Watermark watermark(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions) {
        return new Watermark(System.currentTimeMillis(), c.endOffsets(partitions));
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        return infos == null
                ? List.of()
                : infos.stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}
