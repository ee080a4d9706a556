package dev.cairn.ingest.http;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers the write keys for the whole module (Quarkus applies test resources globally, so it boots once). */
@QuarkusTestResource(WriteKeysTestResource.class)
public class HttpTestResources {
}
