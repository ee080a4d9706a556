package dev.cairn.bench.consent;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The seeded random sequences the end-to-end consent check plays: per synthetic subject (a user_id, an
 * anonymous_id, sometimes an email, a jurisdiction), operations at random times within the run — grants and
 * withdrawals of random purposes recorded on a random one of the subject's identifiers (also before the subject
 * logs in), at most one login (an event carrying every identifier, which identity links), and plain events keyed
 * by the anonymous_id or the user_id alone. After the run every subject sends a final probe event by each of
 * its two event identifiers, once every bound has passed. The same seed gives the same script (only the run's
 * identifier prefix differs), so a failing run is replayed with {@code seed=N}.
 */
public final class ConsentScript {

    /** What an operation does. */
    public enum Kind {
        GRANT, WITHDRAW, LOGIN, EVENT
    }

    /**
     * One operation, due {@code atMillis} after the start. {@code purpose} for GRANT and WITHDRAW;
     * {@code namespace}: the identifier a choice is recorded on or an event is keyed by (empty for LOGIN).
     */
    public record Op(int subject, long atMillis, Kind kind, String purpose, String namespace, boolean probe) {

        public String describe() {
            return switch (kind) {
                case GRANT, WITHDRAW -> kind.name().toLowerCase() + " " + purpose + " on " + namespace;
                case LOGIN -> "login (event with every identifier)";
                case EVENT -> (probe ? "final probe event" : "event") + " keyed by " + namespace;
            };
        }
    }

    /** A synthetic subject; email is empty when it has none. */
    public record Subject(int index, String userId, String anonymousId, String email, String jurisdiction) {

        public String value(String namespace) {
            return switch (namespace) {
                case USER_ID -> userId;
                case ANONYMOUS_ID -> anonymousId;
                case EMAIL -> email;
                default -> throw new IllegalArgumentException(namespace);
            };
        }

        /** The subject key consent and ingest use: {@code namespace:value}. */
        public String key(String namespace) {
            return namespace + ":" + value(namespace);
        }

        /** The namespaces a choice can be recorded on. */
        public List<String> namespaces() {
            return email.isEmpty() ? List.of(ANONYMOUS_ID, USER_ID) : List.of(ANONYMOUS_ID, USER_ID, EMAIL);
        }

        /** Keys of every identifier, as a login links them. */
        public List<String> keys() {
            return namespaces().stream().map(this::key).toList();
        }
    }

    public static final String USER_ID = "user_id";
    public static final String ANONYMOUS_ID = "anonymous_id";
    public static final String EMAIL = "email";

    public final long seed;
    public final List<Subject> subjects;
    /** Every operation of every subject, in the order they are due (final probes last). */
    public final List<Op> ops;

    private ConsentScript(long seed, List<Subject> subjects, List<Op> ops) {
        this.seed = seed;
        this.subjects = subjects;
        this.ops = ops;
    }

    /**
     * @param prefix the run's identifier prefix (lower case, no spaces), so runs never share a subject
     * @param operations operations per subject before the final probes
     * @param durationMillis the operations are spread over this long
     * @param probeAtMillis when the final probes are due (after the longest bound past the last operation)
     */
    public static ConsentScript generate(long seed, String prefix, int subjects, int operations,
            long durationMillis, long probeAtMillis, List<String> purposes, List<String> jurisdictions) {
        Random random = new Random(seed);
        List<Subject> people = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        for (int s = 0; s < subjects; s++) {
            String user = prefix + "-s" + s;
            Subject subject = new Subject(s, user, user + "-anon", random.nextBoolean() ? user + "@e2e.cairn.dev" : "",
                    jurisdictions.get(random.nextInt(jurisdictions.size())));
            people.add(subject);
            long[] at = new long[operations];
            for (int i = 0; i < operations; i++) {
                at[i] = (long) (random.nextDouble() * durationMillis);
            }
            java.util.Arrays.sort(at);
            // About one subject in four never logs in: its identifiers stay apart for the whole run.
            int login = random.nextInt(operations + operations / 3 + 1);
            for (int i = 0; i < operations; i++) {
                if (i == login) {
                    ops.add(new Op(s, at[i], Kind.LOGIN, "", "", false));
                } else if (random.nextDouble() < 0.45) {
                    ops.add(new Op(s, at[i], Kind.EVENT, "", random.nextBoolean() ? ANONYMOUS_ID : USER_ID, false));
                } else {
                    List<String> on = subject.namespaces();
                    ops.add(new Op(s, at[i], random.nextBoolean() ? Kind.GRANT : Kind.WITHDRAW,
                            purposes.get(random.nextInt(purposes.size())), on.get(random.nextInt(on.size())), false));
                }
            }
            ops.add(new Op(s, probeAtMillis, Kind.EVENT, "", ANONYMOUS_ID, true));
            ops.add(new Op(s, probeAtMillis, Kind.EVENT, "", USER_ID, true));
        }
        // Stable: a subject's operations keep their order when two are due at the same millisecond.
        ops.sort(Comparator.comparingLong(Op::atMillis));
        return new ConsentScript(seed, List.copyOf(people), List.copyOf(ops));
    }
}
