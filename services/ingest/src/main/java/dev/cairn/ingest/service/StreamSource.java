package dev.cairn.ingest.service;

import java.util.concurrent.atomic.AtomicReference;

import dev.cairn.platform.grpc.InvalidRequestException;

/**
 * The one source of an ingest stream (IngestStream): named by its first message, which is checked like an
 * IngestBatch's (known source, granted to the caller); a later message may leave it empty or repeat it.
 * <p>
 * A later message naming another source fails the call before anything of that message is kept: with
 * PERMISSION_DENIED when the caller is not granted that source (the answer it would get sending there alone), else
 * with INVALID_ARGUMENT, as the proto says. The messages before it were ingested as they arrived, each committed on
 * its own for the stream's source, which the caller is granted; as after any failed stream the client resends every
 * event, and those already stored answer DUPLICATE. So no event of a stream ever lands in a source its caller is not
 * granted, and a stream cannot switch to one mid-way.
 */
public final class StreamSource {

    /** Enough of a rejected source id to recognize it; the answer travels in gRPC trailers, which clients cap. */
    private static final int QUOTED = 64;

    private final EventIngestor ingestor;
    private final SourceGrants grants;
    private final AtomicReference<String> first = new AtomicReference<>();

    public StreamSource(EventIngestor ingestor, SourceGrants grants) {
        this.ingestor = ingestor;
        this.grants = grants;
    }

    /** The source a message's events are ingested as; refuses a message that names a different one. */
    public String of(String named) {
        if (first.compareAndSet(null, named)) {
            return named;
        }
        String source = first.get();
        if (named.isEmpty() || named.equals(source)) {
            return source;
        }
        ingestor.authorize(named, grants);
        throw new InvalidRequestException("source_id", "a stream writes as one source: it began with '" + source
                + "' and this message names '" + (named.length() <= QUOTED ? named : named.substring(0, QUOTED) + "...")
                + "'; send another source's events on a stream of their own");
    }
}
