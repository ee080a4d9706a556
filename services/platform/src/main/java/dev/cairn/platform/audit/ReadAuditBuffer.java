package dev.cairn.platform.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * A bounded hand-over from RPC threads to one sending thread. {@link #offer} never waits: an RPC thread (often a
 * Vert.x event loop) adds a record if there is room and otherwise drops it and counts the drop, so a slow or absent
 * Kafka costs the reads nothing but their audit records. The sending thread takes what has accumulated, up to a batch
 * at a time, and hands it to the sink, which may block (only this thread waits).
 *
 * @param <T> what is recorded
 */
public final class ReadAuditBuffer<T> implements AutoCloseable {

    /** Where batches go; may block; a failure drops the batch (counted as {@link #SEND_FAILED}). */
    public interface Sink<T> {
        void send(List<T> batch) throws Exception;
    }

    /** Counts records that will never be sent, by reason. */
    public interface Drops {
        void dropped(String reason, int records);
    }

    /** The buffer was full when a read was offered. */
    public static final String BUFFER_FULL = "buffer_full";
    /** The sink failed (Kafka refused or timed out). */
    public static final String SEND_FAILED = "send_failed";
    /** Still buffered when the service stopped and the final drain ran out of time. */
    public static final String SHUTDOWN = "shutdown";

    private static final Logger LOG = Logger.getLogger(ReadAuditBuffer.class);
    private static final long POLL_MILLIS = 200;

    private final BlockingQueue<T> queue;
    private final int batchSize;
    private final Sink<T> sink;
    private final Drops drops;
    private final Thread sender;
    private volatile boolean running = true;

    public ReadAuditBuffer(String name, int capacity, int batchSize, Sink<T> sink, Drops drops) {
        if (capacity < 1 || batchSize < 1) {
            throw new IllegalArgumentException("capacity and batch size must be at least 1");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.sink = sink;
        this.drops = drops;
        this.sender = new Thread(this::sendLoop, name);
        sender.setDaemon(true);
        sender.start();
    }

    /** Adds a record if there is room; otherwise drops and counts it. Never blocks. */
    public boolean offer(T record) {
        if (!running) {
            drops.dropped(SHUTDOWN, 1);
            return false;
        }
        if (queue.offer(record)) {
            return true;
        }
        drops.dropped(BUFFER_FULL, 1);
        return false;
    }

    /** Records waiting to be sent. */
    public int buffered() {
        return queue.size();
    }

    private void sendLoop() {
        List<T> batch = new ArrayList<>(batchSize);
        while (running || !queue.isEmpty()) {
            try {
                T first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                sink.send(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                LOG.errorf(e, "dropped %d read-audit records: the sink failed", batch.size());
                drops.dropped(SEND_FAILED, batch.size());
            } finally {
                batch.clear();
            }
        }
    }

    /** Stops taking records, sends what is buffered for up to {@code grace}, and counts what is left as dropped. */
    public void close(Duration grace) {
        running = false;
        try {
            sender.join(grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        int left = queue.size();
        queue.clear();
        if (left > 0) {
            LOG.warnf("dropped %d read-audit records at shutdown", left);
            drops.dropped(SHUTDOWN, left);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
