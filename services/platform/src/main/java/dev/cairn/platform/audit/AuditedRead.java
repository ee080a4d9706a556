package dev.cairn.platform.audit;

import java.util.List;
import java.util.function.BiFunction;

/**
 * What one RPC reads, for the audit: the action's name, the kinds of data its answer holds, and which subjects a
 * given request and answer concern. The function runs on the RPC's thread once the answer is sent, so it only
 * picks fields (no I/O, no hashing: {@link ReadAuditRecorder} hashes on its own thread).
 *
 * @param <Q> the request message
 * @param <R> the response message
 */
public record AuditedRead<Q, R>(String action, List<String> dataKinds,
        BiFunction<Q, R, List<ReadSubject>> subjects) {

    public AuditedRead {
        dataKinds = List.copyOf(dataKinds);
    }

    public static <Q, R> AuditedRead<Q, R> of(String action, List<String> dataKinds,
            BiFunction<Q, R, List<ReadSubject>> subjects) {
        return new AuditedRead<>(action, dataKinds, subjects);
    }
}
