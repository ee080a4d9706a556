package dev.cairn.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cairn.proto.ingest.v1.EventInput;

class SyntheticPeopleTest {

    @Test
    void everyItemBelongsToExactlyOnePerson() {
        SyntheticPeople people = new SyntheticPeople("t1", 100, 7, 1234);
        Map<String, String> owner = new HashMap<>();
        for (SyntheticPeople.Item i : people.items) {
            String key = i.namespace() + ":" + i.value();
            String previous = owner.put(key, i.person());
            assertTrue(previous == null || previous.equals(i.person()), key + " owned by two people");
        }
        assertEquals(people.items.size(), owner.size(), "no item listed twice");
    }

    @Test
    void sharedAndJunkIdentifiersAreSentButAreNotItems() {
        SyntheticPeople people = new SyntheticPeople("t2", 40, 7, 1234);
        Set<String> items = new HashSet<>();
        people.items.forEach(i -> items.add(i.value()));
        Set<String> devices = new HashSet<>();
        people.interleaved().forEach(e -> {
            var device = e.getContext().getFieldsMap().get("device");
            if (device != null) {
                devices.add(device.getMapValue().getFieldsMap().get("id").getStringValue());
            }
        });
        assertTrue(devices.contains("t2-hh-0"), "a household device is sent");
        assertTrue(devices.contains("t2-office-0"), "an office kiosk is sent");
        assertTrue(devices.contains("00000000-0000-0000-0000-000000000000"), "a zero IDFA is sent");
        assertTrue(!items.contains("t2-hh-0") && !items.contains("t2-office-0"), "shared devices are no one's");
        assertTrue(people.counts.get("recycled_phone") >= 1);
    }

    @Test
    void emailOnlyPeopleShareALaptopAndALandlineWithSomeoneWhoLogsInAndNeitherIsAnItem() {
        SyntheticPeople people = new SyntheticPeople("t3", 40, 7, 1234);
        Set<String> values = new HashSet<>();
        people.items.forEach(i -> values.add(i.value()));
        assertTrue(people.items.stream().noneMatch(i -> i.person().equals("p13") && i.namespace().equals("user_id")),
                "p13 never logs in");
        assertTrue(values.contains("t3-u-14"), "p14 does");
        assertTrue(!values.contains("t3-lap-13") && !values.contains("+13123400013"),
                "the laptop and the landline belong to neither");
        Set<String> laptopUsers = new HashSet<>();
        Set<String> landlineUsers = new HashSet<>();
        for (int k = 0; k < people.eventsByPerson.size(); k++) {
            for (var e : people.eventsByPerson.get(k)) {
                var device = e.getContext().getFieldsMap().get("device");
                if (device != null
                        && device.getMapValue().getFieldsMap().get("id").getStringValue().equals("t3-lap-13")) {
                    laptopUsers.add("p" + k);
                }
                var phone = e.getTraits().getFieldsMap().get("phone");
                if (phone != null && phone.getStringValue().replaceAll("[^0-9]", "").endsWith("3123400013")) {
                    landlineUsers.add("p" + k);
                }
            }
        }
        assertEquals(Set.of("p13", "p14"), laptopUsers);
        assertEquals(Set.of("p13", "p14"), landlineUsers);
        assertEquals(4, people.counts.get("recycled_phone"), "p6, p26 and the email-only p18, p38 get a used number");
    }

    @Test
    void interleavingKeepsEachPersonsOwnOrder() {
        SyntheticPeople people = new SyntheticPeople("t4", 30, 7, 1234);
        List<String> sent = people.interleaved().stream().map(e -> e.getMessageId()).toList();
        for (List<EventInput> own : people.eventsByPerson) {
            List<String> ids = own.stream().map(EventInput::getMessageId).toList();
            List<String> inSent = sent.stream().filter(ids::contains).toList();
            assertEquals(ids, inSent);
        }
        assertEquals(people.eventsByPerson.stream().mapToInt(List::size).sum(), sent.size());
    }

    @Test
    void sameSeedSamePeople() {
        assertEquals(new SyntheticPeople("x", 30, 9, 1).items, new SyntheticPeople("x", 30, 9, 1).items);
    }
}
