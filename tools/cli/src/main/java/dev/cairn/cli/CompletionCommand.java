package dev.cairn.cli;

import java.util.concurrent.Callable;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./cairn completion}: bash completion of every command, option and known value, from picocli's model. */
@Command(name = "completion", mixinStandardHelpOptions = true, description = {
        "Print a bash (or zsh with bashcompinit) completion script for ./cairn.",
        "Load it in this shell:  source <(./cairn completion)",
        "or for every shell:     ./cairn completion > ~/.local/share/bash-completion/completions/cairn"})
class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("cairn", spec.root().commandLine()));
        // picocli registers the bare names (cairn, cairn.sh); bash matches the command word as typed, and the script
        // is run as ./cairn from the repository.
        out.println("complete -F _complete_cairn -o default ./cairn");
        out.flush();
        return 0;
    }
}
