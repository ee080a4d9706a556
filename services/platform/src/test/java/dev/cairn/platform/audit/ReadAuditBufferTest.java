package dev.cairn.platform.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ReadAuditBufferTest {

    private final Map<String, AtomicInteger> drops = new ConcurrentHashMap<>();

    private void count(String reason, int records) {
        drops.computeIfAbsent(reason, r -> new AtomicInteger()).addAndGet(records);
    }

    private int dropped(String reason) {
        return drops.getOrDefault(reason, new AtomicInteger()).get();
    }

    @Test
    void a_full_buffer_drops_and_counts_without_waiting_for_a_stuck_sink() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch sinkEntered = new CountDownLatch(1);
        List<Integer> sent = new CopyOnWriteArrayList<>();
        ReadAuditBuffer<Integer> buffer = new ReadAuditBuffer<>("test-audit", 3, 10, batch -> {
            sinkEntered.countDown();
            stuck.await();
            sent.addAll(batch);
        }, this::count);
        try {
            assertTrue(buffer.offer(0));
            // The sender has taken record 0 and is stuck in the sink: the buffer holds 3 more, then drops.
            assertTrue(sinkEntered.await(5, TimeUnit.SECONDS));
            long start = System.nanoTime();
            int accepted = 0;
            for (int i = 1; i <= 100; i++) {
                if (buffer.offer(i)) {
                    accepted++;
                }
            }
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(3, accepted, "the bound: three records wait, whatever is offered");
            assertEquals(97, dropped(ReadAuditBuffer.BUFFER_FULL), "every record beyond it is counted");
            assertTrue(tookMillis < 1000, "offering to a full buffer never waits, took " + tookMillis + " ms");
            assertEquals(List.of(), sent, "nothing was sent while the sink was stuck");

            stuck.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sent.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(0, 1, 2, 3), sent, "what was accepted is sent, in order, once the sink recovers");
            assertTrue(buffer.offer(101), "and there is room again");
        } finally {
            stuck.countDown();
            buffer.close(Duration.ofSeconds(2));
        }
    }

    @Test
    void a_failing_sink_drops_and_counts_its_batch_and_the_next_batches_are_still_sent() throws Exception {
        List<Integer> sent = new CopyOnWriteArrayList<>();
        ReadAuditBuffer<Integer> buffer = new ReadAuditBuffer<>("test-audit", 100, 1, batch -> {
            if (batch.contains(1)) {
                throw new IllegalStateException("Kafka away");
            }
            sent.addAll(batch);
        }, this::count);
        try {
            for (int i = 0; i < 3; i++) {
                buffer.offer(i);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sent.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(0, 2), sent);
            assertEquals(1, dropped(ReadAuditBuffer.SEND_FAILED));
        } finally {
            buffer.close(Duration.ofSeconds(2));
        }
    }

    @Test
    void after_close_nothing_is_taken_and_what_could_not_be_sent_is_counted() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        ReadAuditBuffer<Integer> buffer = new ReadAuditBuffer<>("test-audit", 10, 1, batch -> stuck.await(),
                this::count);
        buffer.offer(0);
        buffer.offer(1);
        buffer.offer(2);
        Thread.sleep(100);
        buffer.close(Duration.ofMillis(200));
        assertTrue(dropped(ReadAuditBuffer.SHUTDOWN) >= 1, "records still buffered at shutdown are counted");
        assertFalse(buffer.offer(3), "a closed buffer takes nothing");
        stuck.countDown();
    }
}
