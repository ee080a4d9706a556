package dev.cairn.identity.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.rules.IdentityRulesLoader;
import dev.cairn.identity.service.IdentifierCipher;
import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.contracts.ContractSource;

/** The rules (loaded and validated once; an invalid file stops the start) and the identifier cipher. */
public class IdentityBeans {

    @Produces
    @Singleton
    IdentityRules rules(CairnConfig cairn) {
        return IdentityRulesLoader.load(ContractSource.of(cairn.contractsDir()));
    }

    @Produces
    @Singleton
    IdentifierCipher cipher(IdentityConfig config) {
        return new IdentifierCipher(config.hashKey());
    }
}
