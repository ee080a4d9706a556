package dev.cairn.platform.audit;

import java.util.Map;

/**
 * A service's reads of personal data, declared once next to its gRPC adapter: a CDI bean implementing this makes
 * {@link ReadAuditInterceptor} record every successful call of the listed methods to the service's topic
 * {@code cairn.audit.reads.<service>.v1}, so the adapters themselves stay as they are.
 */
public interface AuditedReads {

    /** The service, as in the topic catalogue (identity, consent, segments). */
    String service();

    /** The audited RPCs by full method name ({@code package.Service/Method}). */
    Map<String, AuditedRead<?, ?>> reads();

    /** The topic a service's reads go to; in contracts/topics.yaml. */
    static String topic(String service) {
        return "cairn.audit.reads." + service + ".v1";
    }
}
