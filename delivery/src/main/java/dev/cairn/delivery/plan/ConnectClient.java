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
