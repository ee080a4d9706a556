package dev.cairn.delivery.plan;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The few calls of the Kafka Connect REST API that delivery needs. {@code PUT /connectors/<name>/config} creates or
 * updates a connector in one idempotent call, so applying the plan twice changes nothing.
 */
public final class ConnectClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Longer than a consumer group's default session timeout (45 s), within which a dead member leaves. */
    private static final Duration RESET_PATIENCE = Duration.ofSeconds(120);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ConnectClient(URI base) {
        this.base = base;
    }

    /** Creates or updates a connector; Connect validates the configuration and answers 400 with the reasons. */
    public void put(String name, Map<String, String> config) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/config"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))), "apply connector " + name);
    }

    /** The connector's and its tasks' states ({@code GET /connectors/<name>/status}). */
    public JsonNode status(String name) throws IOException, InterruptedException {
        return JSON.readTree(send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/status")).GET(),
                "read the status of " + name));
    }

    /** Restarts a connector and all its tasks: they resume from the last committed offsets. */
    public void restart(String name) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/restart?includeTasks=true"))
                .POST(HttpRequest.BodyPublishers.noBody()), "restart " + name);
    }

    /**
     * Delivers a connector's topic again from its beginning (what is still retained): stops the connector, deletes its
     * committed offsets (its consumer group), and resumes it. Rows are upserted by the event's identity, so a replay
     * rewrites rows and never adds a duplicate.
     */
    public void replay(String name) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/stop"))
                .PUT(HttpRequest.BodyPublishers.noBody()), "stop " + name);
        // Offsets can only be reset once the stop has reached every worker.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"STOPPED".equals(status(name).path("connector").path("state").asText())) {
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " did not stop within 60 s: " + status(name));
            }
            Thread.sleep(200);
        }
        // Refused while the consumer group still has a member: a task of a worker that died keeps its membership
        // until the group's session timeout (45 s by default) ends it. Connect says the call may then be retried.
        deadline = System.nanoTime() + RESET_PATIENCE.toNanos();
        while (true) {
            HttpResponse<String> reset = http
                    .send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/offsets"))
                            .timeout(Duration.ofSeconds(60)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            if (reset.statusCode() / 100 == 2) {
                break;
            }
            if (reset.statusCode() != 500 || System.nanoTime() > deadline) {
                throw new IOException("Kafka Connect at " + base + " refused to reset the offsets of " + name
                        + ": HTTP " + reset.statusCode() + " " + reset.body());
            }
            Thread.sleep(1000);
        }
        send(HttpRequest.newBuilder(uri("/connectors/" + encode(name) + "/resume"))
                .PUT(HttpRequest.BodyPublishers.noBody()), "resume " + name);
    }

    private String send(HttpRequest.Builder request, String what) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("Kafka Connect at " + base + " refused to " + what + ": HTTP " + response.statusCode()
                    + " " + response.body());
        }
        return response.body();
    }

    private URI uri(String path) {
        return base.resolve(path);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
