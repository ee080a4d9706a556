package dev.cairn.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.testsupport.TopicReader;

/**
 * The real Segment and RudderStack node SDKs, unchanged, send to Cairn and their events land on the governed
 * topic: analytics-node posts JSON to /v1/batch with basic auth; rudder-sdk-node gzips the batch and labels it
 * application/x-www-form-urlencoded. The SDKs are installed with npm under target/ (never committed); without
 * node and npm the test is skipped, saying so.
 */
@QuarkusTest
class SegmentSdkCompatibilityTest {

    private static final Path SDK_DIR = Path.of("target", "segment-sdks").toAbsolutePath();
    private static final String SCRIPT = """
            const [sdk, url, writeKey, runId] = process.argv.slice(2);
            const fail = (what, err) => { console.error(sdk + ' ' + what + ': ' + (err && (err.stack || err))); process.exitCode = 1; };
            const track = { messageId: runId + '-' + sdk + '-track', userId: 'sdk-user', event: 'Order Completed',
                            properties: { total: 12.5, runId } };
            const identify = { messageId: runId + '-' + sdk + '-identify', userId: 'sdk-user', traits: { plan: 'pro' } };
            (async () => {
              if (sdk === 'segment') {
                const { Analytics } = require('@segment/analytics-node');
                const analytics = new Analytics({ writeKey, host: url, maxRetries: 0, flushInterval: 100 });
                analytics.on('error', (err) => fail('error event', err));
                analytics.track(track, (err) => err && fail('track', err));
                analytics.identify(identify, (err) => err && fail('identify', err));
                await analytics.closeAndFlush({ timeout: 20000 });
              } else {
                const Analytics = require('@rudderstack/rudder-sdk-node');
                const client = new Analytics(writeKey, { dataPlaneUrl: url, retryCount: 0, flushAt: 10,
                                                         errorHandler: (err) => fail('errorHandler', err) });
                client.track(track);
                client.identify(identify);
                await client.flush();
              }
            })().catch((err) => fail('script', err));
            """;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void installSdks() throws Exception {
        Assumptions.assumeTrue(runs(Path.of("."), 30, "node", "--version"),
                "skipped: node is not installed (the Segment/RudderStack SDK compatibility test needs it)");
        Assumptions.assumeTrue(runs(Path.of("."), 30, "npm", "--version"),
                "skipped: npm is not installed (the Segment/RudderStack SDK compatibility test needs it)");
        Files.createDirectories(SDK_DIR);
        Files.writeString(SDK_DIR.resolve("send.js"), SCRIPT);
        if (!Files.isDirectory(SDK_DIR.resolve("node_modules/@rudderstack/rudder-sdk-node"))
                || !Files.isDirectory(SDK_DIR.resolve("node_modules/@segment/analytics-node"))) {
            Files.writeString(SDK_DIR.resolve("package.json"), "{\"private\":true}\n");
            Assumptions.assumeTrue(runs(SDK_DIR, 240, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "@segment/analytics-node@3", "@rudderstack/rudder-sdk-node@3"),
                    "skipped: npm could not install @segment/analytics-node and @rudderstack/rudder-sdk-node"
                            + " (offline?)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"segment", "rudderstack"})
    void an_unchanged_node_sdk_delivers_its_events_to_the_governed_topic(String sdk) throws Exception {
        String runId = "sdk-" + UUID.randomUUID();
        String url = base.toString().replaceAll("/$", "");
        Path log = Files.createTempFile("sdk-" + sdk, ".log");
        Process node = new ProcessBuilder("node", "send.js", sdk, url, WriteKeysTestResource.BACKEND_KEY, runId)
                .directory(SDK_DIR.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = node.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            node.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        assertEquals(0, finished ? node.exitValue() : -1, sdk + " SDK script failed:\n" + output);

        Set<String> expected = Set.of(runId + "-" + sdk + "-track", runId + "-" + sdk + "-identify");
        List<Event> landed = TopicReader.read(SegmentBadInputTest.GOVERNED_TOPIC,
                r -> expected.contains(SegmentBadInputTest.parse(r.value()).getMessageId()), 2, Duration.ofSeconds(20))
                .stream().map(r -> SegmentBadInputTest.parse(r.value())).toList();
        assertEquals(expected, landed.stream().map(Event::getMessageId).collect(Collectors.toSet()), output);
        Event track = landed.stream().filter(e -> e.getMessageId().endsWith("-track")).findFirst().orElseThrow();
        assertEquals("Order Completed", track.getEvent());
        assertEquals("backend", track.getSourceId());
        assertEquals(12.5, track.getProperties().getFieldsOrThrow("total").getDoubleValue());
    }

    private static boolean runs(Path dir, int timeoutSeconds, String... command) {
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
