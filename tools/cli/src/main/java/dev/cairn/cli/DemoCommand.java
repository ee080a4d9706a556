package dev.cairn.cli;

import java.util.List;
import java.util.concurrent.Callable;

import io.grpc.CallCredentials;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./cairn demo}: one visitor's story through every running service. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = {
        "Walk a visitor through the story: events in, identity, consent, segments.",
        "Exits 1 when a step does not happen within its time (CI runs it after ./cairn up)."})
class DemoCommand implements Callable<Integer> {

    @Mixin
    ApiAccess api;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RpcCatalog catalog = new RpcCatalog();
        // One token for the whole story, fetched before the first step.
        CallCredentials credentials = api.credentials();
        Demo.Rpc rpc = (service, name, request) -> {
            var method = catalog.method(service, name).orElseThrow();
            try (RpcCaller caller = new RpcCaller(api.address(service), credentials, catalog)) {
                return caller.call(method, List.of(request), 0, CallCommand.TIMEOUT_SECONDS);
            }
        };
        return new Demo(rpc, spec.commandLine().getOut()).run();
    }

}
