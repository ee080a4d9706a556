package dev.cairn.identity.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.rules.IdentityRules.BlockedRule;
import dev.cairn.proto.events.v1.Identifier;

/**
 * The first two rules, applied to each identifier alone: blocked values never link, then values are
 * normalized (email lower-cased and trimmed, phone to E.164). What cannot link is returned with the rule
 * that stopped it, so the log records it.
 */
public final class IdentifierScreen {

    // Compiled once: every identifier of every link record goes through them.
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern PHONE_PUNCTUATION = Pattern.compile("[\\s().\\-/]");
    private static final Pattern E164_DIGITS = Pattern.compile("[1-9]\\d{6,14}");

    private final IdentityRules rules;

    public IdentifierScreen(IdentityRules rules) {
        this.rules = rules;
    }

    /** An identifier that may link, or one that was stopped, with the rule's name. */
    public record Screened(List<Ident> accepted, List<Stopped> stopped) {
    }

    public record Stopped(Ident identifier, String rule) {
    }

    public Screened screen(List<Identifier> identifiers) {
        Set<Ident> accepted = new LinkedHashSet<>();
        List<Stopped> stopped = new ArrayList<>();
        for (Identifier id : identifiers) {
            String namespace = id.getNamespace().strip();
            String raw = id.getValue().strip();
            Ident asSent = new Ident(namespace, raw);
            if (!rules.knows(namespace)) {
                stopped.add(new Stopped(asSent, "namespace.undeclared"));
                continue;
            }
            Optional<String> blocked = blockedBy(namespace, raw);
            if (blocked.isPresent()) {
                stopped.add(new Stopped(asSent, "blocked." + blocked.get()));
                continue;
            }
            Optional<String> normalized = normalize(namespace, raw);
            if (normalized.isEmpty()) {
                stopped.add(new Stopped(asSent, "normalize." + namespace));
                continue;
            }
            // A value can be harmless as sent and junk once normalized (" Info@Shop.com ").
            blocked = blockedBy(namespace, normalized.get());
            if (blocked.isPresent()) {
                stopped.add(new Stopped(new Ident(namespace, normalized.get()), "blocked." + blocked.get()));
                continue;
            }
            accepted.add(new Ident(namespace, normalized.get()));
        }
        return new Screened(List.copyOf(accepted), stopped);
    }

    /** The normalized form of a value, or empty if it cannot be one (an empty value, a phone without digits). */
    public Optional<String> normalize(String namespace, String value) {
        String v = value.strip();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        IdentityRules.NamespaceRule rule = rules.namespaces().get(namespace);
        IdentityRules.Normalization how = rule == null ? IdentityRules.Normalization.NONE : rule.normalization();
        return switch (how) {
            case NONE -> Optional.of(v);
            case EMAIL -> email(v);
            case PHONE -> phone(v);
        };
    }

    private Optional<String> blockedBy(String namespace, String value) {
        for (BlockedRule rule : rules.blocked()) {
            if (rule.blocks(namespace, value)) {
                return Optional.of(rule.name());
            }
        }
        return Optional.empty();
    }

    private static Optional<String> email(String v) {
        String e = WHITESPACE.matcher(v).replaceAll("").toLowerCase(Locale.ROOT);
        if (e.startsWith("mailto:")) {
            e = e.substring("mailto:".length());
        }
        int at = e.indexOf('@');
        if (at < 1 || at != e.lastIndexOf('@') || at == e.length() - 1 || !e.substring(at).contains(".")) {
            return Optional.empty();
        }
        return Optional.of(e);
    }

    /** E.164: '+', a country code and at most 15 digits in all; punctuation and spaces are dropped. */
    private Optional<String> phone(String v) {
        String s = PHONE_PUNCTUATION.matcher(v).replaceAll("");
        String digits;
        if (s.startsWith("+")) {
            digits = s.substring(1);
        } else if (s.startsWith("00")) {
            digits = s.substring(2);
        } else if (!rules.defaultCountryCode().isEmpty()) {
            digits = rules.defaultCountryCode() + (s.startsWith("0") ? s.substring(1) : s);
        } else {
            return Optional.empty();
        }
        if (!E164_DIGITS.matcher(digits).matches()) {
            return Optional.empty();
        }
        return Optional.of("+" + digits);
    }
}
