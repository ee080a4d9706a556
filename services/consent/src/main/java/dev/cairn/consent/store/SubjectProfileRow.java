package dev.cairn.consent.store;

/** One row of {@code subject_profile}: which profile an identifier belongs to, and the change that said so. */
public record SubjectProfileRow(String subjectKey, String subjectNamespace, String subjectValue, String profileId,
        long identitySequence) {

    /** A row for a subject key ({@code namespace:value}, as {@code SubjectKeys} builds it). */
    public static SubjectProfileRow of(String subjectKey, String profileId, long identitySequence) {
        int colon = subjectKey.indexOf(':');
        return new SubjectProfileRow(subjectKey, subjectKey.substring(0, colon), subjectKey.substring(colon + 1),
                profileId, identitySequence);
    }

    /** The same identifier, moved to {@code profile} by the change {@code sequence}. */
    public SubjectProfileRow movedTo(String profile, long sequence) {
        return new SubjectProfileRow(subjectKey, subjectNamespace, subjectValue, profile, sequence);
    }
}
