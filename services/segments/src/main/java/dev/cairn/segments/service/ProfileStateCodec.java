package dev.cairn.segments.service;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Profile state as stored in the Streams state store and moved between partitions on a merge: JSON of the
 * public fields (unknown fields ignored, so a newer state layout can be read back after a rollback).
 */
public final class ProfileStateCodec {

    /**
     * No limit on number length when reading: state written before sums were bounded can hold numbers of thousands
     * of digits, and a state the codec wrote but cannot read fails its stream task on every retry.
     */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxNumberLength(Integer.MAX_VALUE).build())
            .build())
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.PUBLIC_ONLY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ProfileStateCodec() {
    }

    public static byte[] encode(ProfileState s) {
        try {
            return JSON.writeValueAsBytes(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ProfileState decode(byte[] bytes) {
        try {
            return JSON.readValue(bytes, ProfileState.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
