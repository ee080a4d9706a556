package dev.cairn.platform.kafka;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.errors.RetriableException;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * Tells a failure that waiting can cure (a dependency away: retry the record, never dead-letter it) from one that
 * no retry can cure (the record itself is bad: dead-letter it). The line matters both ways: dead-lettering good
 * records while PostgreSQL restarts would strand them, and retrying a record PostgreSQL will always refuse stops
 * its partition forever.
 */
public final class RecordFailures {

    /** What a failure means for the record that caused it. */
    public enum Kind {
        /** A dependency is unreachable, overloaded or restarting: the same record will succeed later. */
        TRANSIENT,
        /** The record itself cannot be processed, now or ever. */
        PERMANENT,
        /** Nothing says which: try a few times, then treat it as permanent. */
        UNKNOWN
    }

    /** The kind, and the reason a dead letter would carry. */
    public record Verdict(Kind kind, DeadLetterReason reason) {
    }

    /**
     * SQLSTATE classes a retry can cure: 08 connection exception, 40 transaction rollback (serialization
     * failure, deadlock), 53 insufficient resources (too many connections, disk full), 57 operator
     * intervention (shutdown, cannot connect now), 58 system error. Every other SQLSTATE (22 data exception:
     * a NUL byte, a date out of range; 23 integrity constraint; 42 syntax or access rule) is the record's
     * fault or a bug, and repeats on every retry.
     */
    private static final Set<String> TRANSIENT_SQL_CLASSES = Set.of("08", "40", "53", "57", "58");
    /** lock_not_available: another transaction holds the row for now. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /**
     * Connection-level failures of the Vert.x clients (PostgreSQL, Redis), by name: platform depends on no
     * database driver, and these carry no SQLSTATE because no server answered.
     */
    private static final Set<String> TRANSIENT_CLASS_NAMES = Set.of("io.vertx.core.VertxException",
            "io.vertx.core.impl.NoStackTraceThrowable", "io.vertx.sqlclient.ClosedConnectionException",
            "io.netty.channel.ConnectTimeoutException", "io.smallrye.mutiny.TimeoutException");

    private RecordFailures() {
    }

    public static Verdict classify(Throwable failure) {
        Optional<String> sqlState = Optional.empty();
        boolean transientMarker = false;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof UnprocessableRecordException u) {
                return new Verdict(Kind.PERMANENT, u.reason());
            }
            if (t instanceof InvalidProtocolBufferException) {
                return new Verdict(Kind.PERMANENT, DeadLetterReason.UNPARSABLE);
            }
            if (sqlState.isEmpty()) {
                sqlState = sqlState(t);
            }
            transientMarker |= t instanceof IOException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof RetriableException || t instanceof DependencyUnavailableException
                    || namedTransient(t.getClass());
        }
        if (sqlState.isPresent()) {
            String state = sqlState.get();
            return TRANSIENT_SQL_CLASSES.contains(state.substring(0, 2)) || LOCK_NOT_AVAILABLE.equals(state)
                    ? new Verdict(Kind.TRANSIENT, DeadLetterReason.UNPROCESSABLE)
                    : new Verdict(Kind.PERMANENT, DeadLetterReason.REJECTED_BY_STORE);
        }
        return transientMarker
                ? new Verdict(Kind.TRANSIENT, DeadLetterReason.UNPROCESSABLE)
                : new Verdict(Kind.UNKNOWN, DeadLetterReason.UNPROCESSABLE);
    }

    public static boolean isTransient(Throwable failure) {
        return classify(failure).kind() == Kind.TRANSIENT;
    }

    private static boolean namedTransient(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (TRANSIENT_CLASS_NAMES.contains(c.getName())) {
                return true;
            }
        }
        return false;
    }

    /** JDBC's {@code getSQLState()} (also Hibernate's JDBCException) or Vert.x's {@code getSqlState()}. */
    private static Optional<String> sqlState(Throwable t) {
        for (String name : new String[]{"getSQLState", "getSqlState"}) {
            try {
                Method m = t.getClass().getMethod(name);
                if (m.getReturnType() == String.class && m.invoke(t) instanceof String state && state.length() == 5) {
                    return Optional.of(state);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not an exception that carries a SQLSTATE.
            }
        }
        return Optional.empty();
    }
}
