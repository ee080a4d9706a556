package dev.cairn.identity.repository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The identifiers column of a log entry: for each identifier its namespace, keyed hash, value encrypted
 * under its own key (absent when there is none to keep, as in a DELETED entry), and the move the entry
 * makes (the profile it goes to and comes from; absent when it stays).
 */
public final class EntryIdentifiers {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private EntryIdentifiers() {
    }

    /** One identifier of an entry. */
    public record Item(String n, String h, String c, String to, String from) {
    }

    public static String write(List<Item> items) {
        try {
            return JSON.writeValueAsString(items);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Item> read(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<Item>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
