package dev.cairn.bench.consent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The end-to-end consent check's model of what every subject chose, written from the rules rather than
 * from the services' code: the latest explicit choice (by the time the subject chose; a withdrawal wins a tie) of
 * any identifier linked to the ones an event carries decides; with none, the purpose's default in the
 * jurisdiction applies (opt-in deny, opt-out allow); a purpose the jurisdiction denies, or has no rule for, is
 * denied whatever was chosen. The jurisdiction is the deciding choice's, else the event's fallback (its
 * context.jurisdiction, else the source's default).
 *
 * <p>
 * Every change of the model starts a propagation bound on the identifiers it touches: a recorded choice for its
 * purpose on every identifier linked to it ({@code recordBoundMillis}: consent publishes, ingest's view reads),
 * a link for every purpose on every identifier of the joined profile ({@code linkBoundMillis}: identity's change
 * goes through consent, which republishes, to ingest's view). Identifiers are linked when identity is seen
 * linking them, not when the login is sent: between the two, what the stack decides depends on how far behind
 * identity is, so from a login until its link is seen ({@link #loginSent}) the identifiers' events are not
 * judged. An event is judged only if it was sent after every bound that concerns its identifiers and a
 * destination's purposes had passed; inside a bound either answer is right. Times are the caller's
 * (milliseconds of one monotonic clock).
 */
public final class ConsentOracle {

    /** An explicit grant or withdrawal recorded on one identifier (subject key {@code namespace:value}). */
    public record Choice(String key, String purpose, boolean granted, String jurisdiction, long occurredAtMillis,
            long sequence) {

        public String describe() {
            return (granted ? "granted" : "withdrawn") + " on " + key + " (" + jurisdiction + ")";
        }
    }

    /** What the model expects for one purpose: allowed or not, the deciding choice if any, and why. */
    public record Expected(boolean allowed, Optional<Choice> deciding, String jurisdiction, String why) {
    }

    private final ConsentContracts contracts;
    private final long recordBoundMillis;
    private final long linkBoundMillis;
    /** Each identifier's linked set; identifiers of one set share the same Set instance. */
    private final Map<String, Set<String>> linked = new HashMap<>();
    private final Map<String, List<Choice>> choices = new HashMap<>();
    /** key + "\n" + purpose -> when the last bound on it ends. */
    private final Map<String, Long> recordSettles = new HashMap<>();
    /** key -> when the last link bound on it ends (concerns every purpose). */
    private final Map<String, Long> linkSettles = new HashMap<>();
    /** Identifiers of a login sent whose link identity has not been seen making yet. */
    private final Set<String> awaitingLink = new HashSet<>();
    private long sequence;

    public ConsentOracle(ConsentContracts contracts, long recordBoundMillis, long linkBoundMillis) {
        this.contracts = contracts;
        this.recordBoundMillis = recordBoundMillis;
        this.linkBoundMillis = linkBoundMillis;
    }

    /** A grant or withdrawal on {@code key}, in effect at {@code atMillis} (when consent acknowledged it). */
    public Choice record(String key, String purpose, boolean granted, String jurisdiction, long occurredAtMillis,
            long atMillis) {
        Choice c = new Choice(key, purpose, granted, jurisdiction, occurredAtMillis, sequence++);
        choices.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
        // Kept on the identifier itself: settledAt looks at every identifier linked to an event's, now or later.
        recordSettles.merge(key + "\n" + purpose, atMillis + recordBoundMillis, Math::max);
        return c;
    }

    /** A login carrying these identifiers was sent: undecided until {@link #link} says identity linked them. */
    public void loginSent(Collection<String> keys) {
        awaitingLink.addAll(keys);
    }

    /** Identity was seen linking the identifiers into one profile at {@code atMillis}. */
    public void link(Collection<String> keys, long atMillis) {
        awaitingLink.removeAll(keys);
        Set<String> joined = new LinkedHashSet<>();
        for (String k : keys) {
            joined.addAll(group(k));
        }
        long linkEnds = atMillis + linkBoundMillis;
        for (String k : joined) {
            linked.put(k, joined);
            linkSettles.merge(k, linkEnds, Math::max);
        }
    }

    /** The identifiers linked to {@code key}, itself included. */
    public Set<String> group(String key) {
        return linked.getOrDefault(key, Set.of(key));
    }

    /** What an event carrying {@code keys} should get for {@code purpose}. */
    public Expected decide(Collection<String> keys, String purpose, String fallbackJurisdiction) {
        Choice latest = null;
        Set<String> seen = new LinkedHashSet<>();
        for (String k : keys) {
            seen.addAll(group(k));
        }
        for (String k : seen) {
            for (Choice c : choices.getOrDefault(k, List.of())) {
                if (c.purpose().equals(purpose) && (latest == null || later(c, latest))) {
                    latest = c;
                }
            }
        }
        String jurisdiction = latest != null && !latest.jurisdiction().isBlank()
                ? latest.jurisdiction()
                : fallbackJurisdiction;
        Optional<ConsentContracts.Default> rule = contracts.rule(purpose, jurisdiction);
        if (rule.isEmpty() || rule.get() == ConsentContracts.Default.DENY) {
            return new Expected(false, Optional.ofNullable(latest), jurisdiction,
                    "policy denies " + purpose + " in " + jurisdiction);
        }
        if (latest != null) {
            return new Expected(latest.granted(), Optional.of(latest), jurisdiction, latest.describe());
        }
        boolean allowed = rule.get() == ConsentContracts.Default.OPT_OUT;
        return new Expected(allowed, Optional.empty(), jurisdiction,
                "nothing recorded; " + purpose + " is " + rule.get().name().toLowerCase() + " in " + jurisdiction);
    }

    /**
     * When every bound on these identifiers and purposes has passed: an event sent then or later is judged.
     * {@link Long#MAX_VALUE} while a login of theirs awaits its link.
     */
    public long settledAt(Collection<String> keys, Collection<String> purposes) {
        long settled = Long.MIN_VALUE;
        for (String k : keys) {
            for (String g : group(k)) {
                if (awaitingLink.contains(g)) {
                    return Long.MAX_VALUE;
                }
                settled = Math.max(settled, linkSettles.getOrDefault(g, Long.MIN_VALUE));
                for (String p : purposes) {
                    settled = Math.max(settled, recordSettles.getOrDefault(g + "\n" + p, Long.MIN_VALUE));
                }
            }
        }
        return settled;
    }

    /** Precedence: the later occurrence; at the same time a withdrawal; then the later recorded. */
    static boolean later(Choice a, Choice b) {
        if (a.occurredAtMillis() != b.occurredAtMillis()) {
            return a.occurredAtMillis() > b.occurredAtMillis();
        }
        if (a.granted() != b.granted()) {
            return !a.granted();
        }
        return a.sequence() > b.sequence();
    }
}
