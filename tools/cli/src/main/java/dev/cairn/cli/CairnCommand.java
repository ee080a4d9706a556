package dev.cairn.cli;

import java.io.PrintWriter;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.grpc.StatusRuntimeException;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import io.quarkus.picocli.runtime.annotations.TopCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * {@code ./cairn}: the commands that speak an API or read JSON run here; the script runs the processes (its commands
 * are declared here too, by {@link SupervisionCommands}, so that help and shell completion know every command).
 * Exit status: 0 done, 1 the command failed (a gRPC error, Keycloak refusing), 2 the command line is wrong.
 */
@TopCommand
@Command(name = "cairn", mixinStandardHelpOptions = true, versionProvider = CairnCommand.Version.class, description = "Run Cairn locally and call its APIs. Every command takes --help.", subcommands = {
        TokenCommand.class, CallCommand.class, DemoCommand.class, IdentityCommand.class,
        CompletionCommand.class, SupervisionCommands.Up.class, SupervisionCommands.Down.class,
        SupervisionCommands.Test.class, SupervisionCommands.Build.class, SupervisionCommands.Logs.class,
        SupervisionCommands.Delivery.class, SupervisionCommands.Bench.class, HelpCommand.class}, footer = {"",
                "Ports, data directory and versions come from CAIRN_* environment variables (see README.md)."})
public class CairnCommand {

    /** ./cairn's command line with its error handling: what Quarkus runs, and what the tests parse. */
    static CommandLine configure(CommandLine commandLine) {
        versioned(commandLine);
        // Wider than picocli's 80 columns, so that descriptions naming ./cairn commands are not broken mid-name.
        return commandLine.setUsageHelpWidth(USAGE_WIDTH).setExecutionExceptionHandler(CairnCommand::failed)
                .setParameterExceptionHandler(CairnCommand::misused);
    }

    static final int USAGE_WIDTH = 120;

    /** Every command's -V prints the build's version, not only the top one's. */
    private static void versioned(CommandLine command) {
        command.getCommandSpec().versionProvider(new Version());
        command.getSubcommands().values().forEach(CairnCommand::versioned);
    }

    /** Quarkus' picocli extension runs the CommandLine bean: this one, with ./cairn's error handling. */
    @ApplicationScoped
    static class CommandLineProducer {

        @Produces
        CommandLine commandLine(PicocliCommandLineFactory factory) {
            return configure(factory.create());
        }
    }

    /** A failure of the command itself: one clear message and status 1; the stack trace only for a bug. */
    private static int failed(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof StatusRuntimeException status) {
            err.println(GrpcFailure.describe(status));
        } else if (e instanceof CommandFailure failure) {
            err.println("error: " + failure.getMessage());
        } else {
            err.println("error: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    /** A wrong command line: what is wrong and where the help is, status 2, without the whole usage text. */
    private static int misused(CommandLine.ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println("error: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("See './" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** The version of the build this CLI came from. */
    static final class Version implements CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() {
            String version = CairnCommand.class.getPackage().getImplementationVersion();
            return new String[]{"cairn " + (version == null ? "(development build)" : version)};
        }
    }
}
