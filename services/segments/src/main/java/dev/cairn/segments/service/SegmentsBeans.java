package dev.cairn.segments.service;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinitionLoader;

/** Wires the plain logic classes: the definitions from contracts/ and the engine that evaluates them. */
@ApplicationScoped
public class SegmentsBeans {

    /** Loaded once at start; an invalid definition fails the start with every problem listed. */
    @Produces
    @Singleton
    SegmentCatalog catalog(CairnConfig cairn, SegmentsConfig config) {
        if (config.definitionsFile().isPresent()) {
            java.nio.file.Path file = java.nio.file.Path.of(config.definitionsFile().get());
            return new SegmentDefinitionLoader(config.bucket()).parse(
                    ContractSource.directory(file.getParent()).read(file.getFileName().toString()), file.toString());
        }
        return SegmentDefinitionLoader.load(ContractSource.of(cairn.contractsDir()), config.bucket());
    }

    @Produces
    @Singleton
    ProfileEngine engine(SegmentCatalog catalog, SegmentsConfig config, ConsentPolicy policy) {
        List<String> problems = catalog.purposesUnknownTo(policy);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("invalid segment definitions:\n  " + String.join("\n  ", problems));
        }
        return new ProfileEngine(catalog, config.bucket(), config.grace(), policy);
    }
}
