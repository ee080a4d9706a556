package dev.cairn.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

import dev.cairn.platform.kafka.DeadLetters;

/** What tests of a consumer's dead letters look at: the dead-letter topic, the counter, the consumer's lag. */
public final class DeadLetterProbe {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private DeadLetterProbe() {
    }

    /** The dead letters of {@code consumer} whose value is exactly {@code value}, as far as found in the timeout. */
    public static List<ConsumerRecord<byte[], byte[]>> deadLettersOf(String consumer, byte[] value, int atLeast,
            Duration timeout) {
        return TopicReader.read(DeadLetters.topic(consumer), r -> Arrays.equals(r.value(), value), atLeast, timeout);
    }

    /** A header's text, or null. */
    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** {@code cairn_dead_letters_total{consumer,reason}} as the service exports it now (0 before the first). */
    public static double deadLetterCount(int managementPort, String consumer, String reason) {
        String metrics;
        try {
            metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new AssertionError("cannot read the service's metrics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        double total = 0;
        // A sample may end with an exemplar (" # {span_id=..,trace_id=..} 1.0 <time>") when the record was counted
        // inside a traced span, as a SmallRye Kafka consumer's records are.
        Matcher m = Pattern.compile("(?m)^cairn_dead_letters_total\\{([^}]*)\\} ([0-9.eE+-]+)(?: #.*)?$")
                .matcher(metrics);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("consumer=\"" + consumer + "\"") && labels.contains("reason=\"" + reason + "\"")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    /**
     * Records of the partitions that {@code group} has not committed past. For a partition written without
     * transactions, 0 once the consumer processed everything (a transaction's commit marker takes an offset the
     * consumer never commits past, so test lag on partitions written without transactions).
     */
    public static long lag(String group, String topic, List<Integer> partitions) {
        try (Admin admin = Admin.create(RealInfra.kafka().operatorConfig(Map.of()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            long lag = 0;
            for (var end : ends.entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                lag += end.getValue().offset() - (at == null ? 0 : at.offset());
            }
            return lag;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("cannot read the offsets of " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
