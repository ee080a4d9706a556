package dev.cairn.platform.audit;

import java.util.Optional;

/**
 * One subject whose data a read returned, as the service names it: a subject key ({@code namespace:value} from
 * {@link dev.cairn.platform.consent.SubjectKeys#key}, or {@link #profile} for a profile addressed by id), and the
 * purpose the request itself states, if it states one.
 */
public record ReadSubject(String subjectKey, Optional<String> purpose) {

    /** The subject key of a profile read by its id: reads of a profile are found under {@code profile:<id>}. */
    public static final String PROFILE_NAMESPACE = "profile";

    public static ReadSubject of(String subjectKey) {
        return new ReadSubject(subjectKey, Optional.empty());
    }

    public static ReadSubject of(String subjectKey, String purpose) {
        return new ReadSubject(subjectKey, purpose == null || purpose.isBlank()
                ? Optional.empty()
                : Optional.of(purpose));
    }

    public static ReadSubject profile(String profileId) {
        return of(PROFILE_NAMESPACE + ":" + profileId);
    }
}
