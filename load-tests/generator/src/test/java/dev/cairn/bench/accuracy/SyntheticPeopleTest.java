package dev.cairn.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

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
    void sameSeedSamePeople() {
        assertEquals(new SyntheticPeople("x", 30, 9, 1).items, new SyntheticPeople("x", 30, 9, 1).items);
    }
}
