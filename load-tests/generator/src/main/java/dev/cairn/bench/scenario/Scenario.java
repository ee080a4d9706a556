package dev.cairn.bench.scenario;

/** One benchmark: its parameters come from load-tests/scenarios/{name}.properties. */
public interface Scenario {

    String name();

    ScenarioResult run(BenchContext ctx, Params params) throws Exception;
}
