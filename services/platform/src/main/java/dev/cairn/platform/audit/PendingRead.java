package dev.cairn.platform.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A read as the RPC's thread hands it over: subject keys still in clear (hashed later, off the RPC's thread), never
 * leaving the process in this form.
 *
 * @param requestPurpose the caller's {@code cairn-purpose} header, used for subjects whose request names none
 */
public record PendingRead(String service, String rpc, String action, String actorSubject, String actorClient,
        Instant readAt, List<ReadSubject> subjects, Optional<String> requestPurpose, List<String> dataKinds) {

    /** The purpose recorded when neither the request nor the caller's header gives one. */
    public static final String UNSPECIFIED_PURPOSE = "unspecified";

    /** The purpose a subject was read under: the request's own, else the header's, else "unspecified". */
    public String purposeOf(ReadSubject subject) {
        return subject.purpose().or(() -> requestPurpose).orElse(UNSPECIFIED_PURPOSE);
    }
}
