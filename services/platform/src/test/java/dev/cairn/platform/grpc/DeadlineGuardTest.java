package dev.cairn.platform.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class DeadlineGuardTest {

    @Test
    void reads_every_unit_of_a_grpc_timeout() {
        assertEquals(Optional.of(Duration.ofHours(2)), DeadlineGuard.timeout("2H"));
        assertEquals(Optional.of(Duration.ofMinutes(3)), DeadlineGuard.timeout("3M"));
        assertEquals(Optional.of(Duration.ofSeconds(20)), DeadlineGuard.timeout("20S"));
        assertEquals(Optional.of(Duration.ofMillis(300)), DeadlineGuard.timeout("300m"));
        assertEquals(Optional.of(Duration.ofNanos(299_974_000)), DeadlineGuard.timeout("299974u"));
        assertEquals(Optional.of(Duration.ofNanos(99_999_999)), DeadlineGuard.timeout("99999999n"));
    }

    @Test
    void leaves_a_call_alone_when_its_timeout_cannot_be_read() {
        assertEquals(Optional.empty(), DeadlineGuard.timeout(null));
        assertEquals(Optional.empty(), DeadlineGuard.timeout("m"));
        assertEquals(Optional.empty(), DeadlineGuard.timeout("300"));
        assertEquals(Optional.empty(), DeadlineGuard.timeout("300x"));
        assertEquals(Optional.empty(), DeadlineGuard.timeout("-300m"));
        assertEquals(Optional.empty(), DeadlineGuard.timeout("123456789m"), "more than 8 digits");
    }

    @Test
    void answers_a_tenth_before_the_deadline_and_never_more_than_the_lead_before_it() {
        assertEquals(Duration.ofMillis(270), DeadlineGuard.answerBy(Duration.ofMillis(300)));
        assertEquals(Duration.ofMillis(900), DeadlineGuard.answerBy(Duration.ofSeconds(1)));
        assertEquals(Duration.ofMillis(19_900), DeadlineGuard.answerBy(Duration.ofSeconds(20)));
    }
}
