package dev.cairn.bench.accuracy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.cairn.bench.scenario.Events;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * Synthetic people with known truth, as the events their devices would send: several devices each,
 * anonymous sessions before login (and later sessions that never log in), email case and whitespace
 * variants, phone punctuation variants, household devices shared by two people, office kiosks shared by
 * several, junk identifiers sent by many ("undefined", zero IDFA, test@example.com, info@…), and phone
 * numbers recycled from one person to another.
 *
 * <p>
 * Beyond those, people who never log in and only ever give an email (a newsletter, a guest checkout): one in
 * twenty shares a household laptop and a landline with the next person, who logs in; two in twenty pass a phone
 * number from one to the other (recycled between two email-only people). The two people of such a pair arrive in
 * either order: in half the pairs the one who logs in does so first on the shared laptop (a brand-new user_id),
 * in the others last. {@link #interleaved()} then shuffles each round across people (each person's own events
 * stay in order), as partitions and concurrent clients deliver them. Nothing but a weak identifier ever joins
 * the two people of a pair, so any merge of them is an over-merge.
 *
 * <p>
 * The truth is the set of items: identifiers that belong to exactly one person (user_id, email, phone,
 * personal device ids, every anonymous id, including those of sessions on shared devices). Shared devices,
 * recycled phones and junk belong to no one: they are sent, so that an over-merge through them shows up as
 * false pairs, but they are not items.
 */
public final class SyntheticPeople {

    /** An identifier with the person it belongs to; value as identity should hold it (normalized). */
    public record Item(String person, String namespace, String value) {
    }

    public final List<Item> items = new ArrayList<>();
    /** Every person's events in the order that person's devices sent them. */
    public final List<List<EventInput>> eventsByPerson = new ArrayList<>();
    public final Map<String, Integer> counts = new LinkedHashMap<>();

    private final String run;
    private final Random random;
    private final long seed;
    private int message;

    /**
     * @param run a prefix that makes every identifier of this run new (lower case, letters, digits, '-')
     * @param phoneBase a 4-digit number that makes this run's phone numbers new
     */
    public SyntheticPeople(String run, int people, long seed, int phoneBase) {
        this.run = run;
        this.random = new Random(seed);
        this.seed = seed;
        String[] junkAnonymous = {"undefined", "null", "00000000-0000-0000-0000-000000000000"};
        String[] junkEmail = {"test@example.com", "info@" + run + "-corp.cairn.dev", "noreply@" + run + ".cairn.dev"};
        for (int k = 0; k < people; k++) {
            String person = "p" + k;
            List<EventInput> events = new ArrayList<>();
            // Email-only people never send a user_id: they identify with their email alone.
            boolean emailOnly = k % 20 == 13 || k % 20 == 17 || k % 20 == 18;
            String userId = emailOnly ? null : run + "-u-" + k;
            String email = "first" + k + ".last@" + run + "-mail.cairn.dev";
            String phoneDigits = String.format(Locale.ROOT, "3%04d%05d", phoneBase % 10_000, k);
            if (emailOnly) {
                count("email_only_person");
            } else {
                item(person, "user_id", userId);
            }
            item(person, "email", email);
            boolean recycledFrom = (k % 20 == 6 || k % 20 == 18) && k > 0; // gets the phone person k-1 used before
            String phone = phoneDigits;
            if (recycledFrom) {
                phone = String.format(Locale.ROOT, "3%04d%05d", phoneBase % 10_000, k - 1);
                count("recycled_phone");
            } else if (k % 20 == 13 || k % 20 == 14) {
                // A household landline: the email-only person k (13) and the next one (14), who logs in, both give it.
                phone = String.format(Locale.ROOT, "3%04d%05d", phoneBase % 10_000, k - k % 20 + 13);
                count("shared_landline");
            } else if (k % 20 != 5 && k % 20 != 17) {
                item(person, "phone", "+1" + phoneDigits);
            } else {
                count("phone_later_recycled"); // person k's phone moves to k+1: it belongs to neither for certain
            }
            List<EventInput> sharedLaptop = new ArrayList<>();
            if (k % 20 == 13 || k % 20 == 14) {
                // The household laptop of the pair (13, 14): 13 gives an email on it, 14 logs in on it.
                count("household_laptop_email_only_and_login");
                String laptop = run + "-lap-" + (k - k % 20 + 13);
                String anonymous = run + "-lapa-" + k;
                item(person, "anonymous_id", anonymous);
                sharedLaptop.add(track(anonymous, null, laptop, null, null));
                sharedLaptop.add(identify(anonymous, userId, laptop, emailOnly ? variantEmail(email) : null, null));
            }
            if (!sharedLaptop.isEmpty() && (emailOnly || k / 20 % 2 == 0)) {
                // Half the pairs: the laptop session comes first (for 14, the very first login, a new user_id).
                events.addAll(sharedLaptop);
                sharedLaptop.clear();
            }
            int devices = 1 + random.nextInt(3);
            for (int d = 0; d < devices; d++) {
                String device = run + "-d-" + k + "-" + d;
                item(person, "device_id", device);
                int sessions = 1 + random.nextInt(3);
                for (int s = 0; s < sessions; s++) {
                    String anonymous = run + "-a-" + k + "-" + d + "-" + s;
                    item(person, "anonymous_id", anonymous);
                    events.add(track(anonymous, null, device, null, null));
                    events.add(track(anonymous, null, device, null, null));
                    if (s == 0 || random.nextInt(3) > 0) {
                        String phoneGiven = emailOnly && random.nextBoolean() ? null : variantPhone(phone);
                        events.add(identify(anonymous, userId, device, variantEmail(email), phoneGiven));
                    } else {
                        count("session_without_login");
                    }
                }
            }
            if (k % 10 == 0 && k + 1 < people) {
                // A household device: this person and the next log in on it, each after an anonymous session.
                count("household_device");
                String shared = run + "-hh-" + k;
                String anonymous = run + "-hha-" + k;
                item(person, "anonymous_id", anonymous);
                events.add(track(anonymous, null, shared, null, null));
                events.add(identify(anonymous, userId, shared, null, null));
            }
            if (k % 10 == 1) {
                String shared = run + "-hh-" + (k - 1);
                String anonymous = run + "-hha-" + k;
                item(person, "anonymous_id", anonymous);
                events.add(track(anonymous, null, shared, null, null));
                events.add(identify(anonymous, userId, shared, null, null));
            }
            if (k % 5 == 2) {
                // An office kiosk shared by everyone whose number ends in 2 or 7 in the same block of 25.
                count("office_kiosk_login");
                String kiosk = run + "-office-" + (k / 25);
                String anonymous = run + "-oa-" + k;
                item(person, "anonymous_id", anonymous);
                events.add(track(anonymous, null, kiosk, null, null));
                events.add(identify(anonymous, userId, kiosk, emailOnly ? variantEmail(email) : null, null));
            }
            if (k % 4 == 3) {
                // Junk: a broken SDK sends a placeholder anonymous id, a zero IDFA or a shared mailbox.
                count("junk_identifiers");
                String junk = junkAnonymous[random.nextInt(junkAnonymous.length)];
                events.add(identify(junk, userId, "00000000-0000-0000-0000-000000000000",
                        junkEmail[random.nextInt(junkEmail.length)], null));
            }
            events.addAll(sharedLaptop); // the other half of the pairs: the laptop session comes last
            eventsByPerson.add(events);
        }
    }

    private void item(String person, String namespace, String value) {
        items.add(new Item(person, namespace, value));
        count("items_" + namespace);
    }

    private void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }

    private String variantEmail(String email) {
        return switch (random.nextInt(4)) {
            case 0 -> email;
            case 1 -> email.toUpperCase(Locale.ROOT);
            case 2 -> "  " + Character.toUpperCase(email.charAt(0)) + email.substring(1) + " ";
            default -> "\t" + email.replace("last@", "Last@") + "\n";
        };
    }

    private String variantPhone(String digits) {
        // digits: 10 digits, a US number without the country code
        String area = digits.substring(0, 3);
        String mid = digits.substring(3, 6);
        String end = digits.substring(6);
        return switch (random.nextInt(4)) {
            case 0 -> "+1" + digits;
            case 1 -> "+1 (" + area + ") " + mid + "-" + end;
            case 2 -> area + "-" + mid + "-" + end; // national format: the rules' default country code (1) applies
            default -> "001 " + area + " " + mid + " " + end;
        };
    }

    private EventInput.Builder base(String anonymous, String userId, String device) {
        EventInput.Builder e = EventInput.newBuilder().setMessageId(run + "-m-" + message++).setTimestamp(Events.now());
        if (anonymous != null) {
            e.setAnonymousId(anonymous);
        }
        if (userId != null) {
            e.setUserId(userId);
        }
        if (device != null) {
            e.setContext(Events.map("device", Events.map("id", device)));
        }
        return e;
    }

    private EventInput track(String anonymous, String userId, String device, String email, String phone) {
        return base(anonymous, userId, device).setType(EventType.EVENT_TYPE_TRACK).setEvent("Product Viewed")
                .setProperties(Events.map("sku", "SKU-1", "price", 9.5)).build();
    }

    private EventInput identify(String anonymous, String userId, String device, String email, String phone) {
        MapValue.Builder traits = MapValue.newBuilder();
        if (email != null) {
            traits.putFields("email", Events.text(email));
        }
        if (phone != null) {
            traits.putFields("phone", Events.text(phone));
        }
        return base(anonymous, userId, device).setType(EventType.EVENT_TYPE_IDENTIFY).setTraits(traits).build();
    }

    /**
     * The persons' events interleaved, one event of each person in turn, as concurrent people would send; each
     * round in an order of its own (seeded), so who comes first across people varies while every person's own
     * events stay in order.
     */
    public List<EventInput> interleaved() {
        List<EventInput> out = new ArrayList<>();
        Random order = new Random(seed);
        int longest = eventsByPerson.stream().mapToInt(List::size).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            List<EventInput> round = new ArrayList<>();
            for (List<EventInput> events : eventsByPerson) {
                if (i < events.size()) {
                    round.add(events.get(i));
                }
            }
            Collections.shuffle(round, order);
            out.addAll(round);
        }
        return out;
    }
}
