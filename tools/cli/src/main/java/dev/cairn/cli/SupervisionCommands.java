package dev.cairn.cli;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The commands the ./cairn script runs itself because they start, stop or watch processes. They are declared here
 * only so that {@code --help} and shell completion know every command of ./cairn; run here, they say where they run.
 */
final class SupervisionCommands {

    private SupervisionCommands() {
    }

    /** Reached only when the jar is run without the script. */
    abstract static class RunByTheScript implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("error: './" + spec.qualifiedName() + "' supervises processes: the "
                    + "./cairn script runs it, not this jar");
            spec.commandLine().getErr().flush();
            return 2;
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = {
            "Install what is missing, build, start Kafka, Kafka Connect, Redis, PostgreSQL, Keycloak and "
                    + "the four services, and show their endpoints.",
            "Env CAIRN_SKIP_BUILD=1 starts what is built; the ports come from CAIRN_*_PORT (README.md)."})
    static class Up extends RunByTheScript {
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop everything ./cairn up started, and nothing else.")
    static class Down extends RunByTheScript {
    }

    @Command(name = "test", mixinStandardHelpOptions = true, description = "Run buf lint and the full test suite against real Kafka, Redis, PostgreSQL and Keycloak "
            + "(what CI runs).")
    static class Test extends RunByTheScript {

        @Parameters(arity = "0..*", paramLabel = "<maven-argument>", description = "passed to ./mvnw verify -Pci")
        List<String> maven;
    }

    @Command(name = "build", mixinStandardHelpOptions = true, description = "Build everything without tests.")
    static class Build extends RunByTheScript {
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Follow a component's log.")
    static class Logs extends RunByTheScript {

        @Parameters(paramLabel = "<component>", completionCandidates = Components.class, description = "ingest, identity, consent, segments, kafka, connect, keycloak or redis")
        String component;
    }

    @Command(name = "delivery", mixinStandardHelpOptions = true, description = "The delivery connectors in Kafka Connect (delivery/README.md).", subcommands = {
            DeliveryStatus.class, DeliveryApply.class, DeliveryReplay.class})
    static class Delivery extends RunByTheScript {
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Each destination's connector and tasks (Kafka Connect REST API).")
    static class DeliveryStatus extends RunByTheScript {
    }

    @Command(name = "apply", mixinStandardHelpOptions = true, description = "Render contracts/ingest/destinations.yaml's delivery blocks and apply them (./cairn up does).")
    static class DeliveryApply extends RunByTheScript {
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, description = "Deliver a destination's retained topic again (rows are upserted, never duplicated).")
    static class DeliveryReplay extends RunByTheScript {

        @Parameters(paramLabel = "<destination>")
        String destination;
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, description = "Load tests against the running stack (load-tests/README.md; "
            + "./cairn bench help lists the scenarios).")
    static class Bench extends RunByTheScript {

        @Parameters(index = "0", paramLabel = "<scenario|all>")
        String scenario;

        @Option(names = "--smoke", description = "a few seconds each: fails on errors, never on figures")
        boolean smoke;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "<key=value>", description = "scenario settings")
        List<String> settings;
    }

    @Command(name = "rebuild", mixinStandardHelpOptions = true, description = "Rebuild identity's Redis graph from its PostgreSQL log: restarts identity with a full replay.")
    static class Rebuild extends RunByTheScript {
    }

    /** What ./cairn logs can follow. */
    static final class Components implements Iterable<String> {

        @Override
        public Iterator<String> iterator() {
            return List.of("ingest", "identity", "consent", "segments", "kafka", "connect", "keycloak", "redis")
                    .iterator();
        }
    }
}
