package dev.cairn.platform.kafka;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;

/** Provisions the topic catalogue when the service starts, unless {@code cairn.kafka.provision-topics=false}. */
@ApplicationScoped
public class TopicProvisioningOnStart {

    private static final Logger LOG = Logger.getLogger(TopicProvisioningOnStart.class);

    @Inject
    CairnConfig config;

    @Inject
    KafkaClients kafka;

    void onStart(@Observes StartupEvent event) throws Exception {
        if (!config.kafka().provisionTopics()) {
            return;
        }
        TopicCatalog catalog = TopicCatalog.load(ContractSource.of(config.contractsDir()));
        try (Admin admin = kafka.admin(Map.of(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000))) {
            List<String> created = TopicProvisioner.ensure(admin, catalog, config.kafka().replicationFactor());
            if (!created.isEmpty()) {
                LOG.infof("created topics %s", created);
            }
        }
    }
}
