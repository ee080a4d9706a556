package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import dev.cairn.proto.identity.v1.ApproveHeldMergeRequest;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.MergeRequest;
import dev.cairn.proto.identity.v1.RejectHeldMergeRequest;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.UnmergeRequest;

import picocli.CommandLine;

/** ./cairn's command line without a server: parsing, validation, help, the requests built, completion. */
class CairnCommandTest {

    /** Every character a shell lets through that a hand-written JSON escaper gets wrong. */
    static final String AWKWARD = "he said \"same person\" \\ C:\\path\n\ttab ü 名前 😀 \u0001 </script>";

    static Stream<List<String>> everyCommand() {
        List<List<String>> paths = new ArrayList<>();
        collect(CairnCommand.configure(new CommandLine(new CairnCommand())), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        command.getSubcommands().forEach((name, sub) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            collect(sub, deeper, paths);
        });
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void every_command_answers_help_with_its_usage_and_status_0(List<String> command) {
        List<String> args = new ArrayList<>(command);
        args.add("--help");
        CommandRun run = CommandRun.of(args.toArray(String[]::new));
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.out().lines().anyMatch(
                l -> l.startsWith("Usage: cairn" + (command.isEmpty() ? "" : " " + String.join(" ", command)) + " ")),
                run.toString());
        assertEquals("", run.err());
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void a_wrong_command_line_is_status_2_with_what_is_wrong_and_where_the_help_is(List<String> args,
            String message) {
        CommandRun run = CommandRun.of(args.toArray(String[]::new));
        assertEquals(2, run.status(), run.toString());
        assertTrue(run.err().contains(message), "expected '" + message + "' in\n" + run);
        assertTrue(run.err().contains("--help'."), run.toString());
        assertEquals("", run.out(), "nothing sent, nothing printed");
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> usageErrors() {
        return Stream.of(
                args(List.of("nonsense"), "Unmatched argument at index 0: 'nonsense'"),
                args(List.of("identity", "mrege", "a", "b", "c"), "Did you mean: identity merge or"),
                args(List.of("identity", "resolve", "email"), "Missing required parameter: '<value>'"),
                args(List.of("identity", "merge", "a", "b"), "Missing required parameter: '<reason>'"),
                args(List.of("identity", "merge", "a", "b", "c", "d"), "Unmatched argument at index 5: 'd'"),
                args(List.of("identity", "unmerge", "p", "abc", "undo"),
                        "merge-sequence must be the MERGED entry's sequence number (see ./cairn identity explain), "
                                + "not 'abc'"),
                args(List.of("identity", "unmerge", "p", "-3", "undo"), "not '-3'"),
                args(List.of("identity", "unmerge", "p", "0", "undo"), "not '0'"),
                args(List.of("identity", "unmerge", "p", "99999999999999999999", "undo"),
                        "not '99999999999999999999'"),
                args(List.of("identity", "explain", "email:"), "namespace:value needs both a namespace and a value"),
                args(List.of("identity", "explain", ":ada@example.com"), "needs both a namespace and a value"),
                args(List.of("identity", "approve", "hold-1"), "Missing required parameter: '<reason>'"),
                args(List.of("identity", "holds", "--page", "2"), "Unknown options: '--page', '2'"),
                args(List.of("token", "cairn-admin", "cairn-product"), "Unmatched argument"),
                args(List.of("call"), "Missing required parameters: <service> <rpc>"),
                args(List.of("call", "identity"), "Missing required parameters: <service> <rpc>"),
                args(List.of("call", "idnetity", "Resolve"),
                        "unknown service 'idnetity'; one of [ingest, identity, consent, segments]"),
                args(List.of("call", "identity", "Resolv"), "unknown RPC 'identity Resolv'; identity serves [Resolve,"),
                args(List.of("call", "identity", "Resolve", "{\"identifier\":"),
                        "<json> is not a cairn.identity.v1.ResolveRequest in proto JSON"),
                args(List.of("call", "identity", "Resolve", "{\"identifer\":{}}"),
                        "<json> is not a cairn.identity.v1.ResolveRequest in proto JSON"),
                args(List.of("call", "identity", "Resolve", "--max", "-1"), "--max must be 0 or more, not -1"),
                args(List.of("call", "list", "idnetity"), "unknown service 'idnetity'"),
                args(List.of("logs"), "Missing required parameter: '<component>'"));
    }

    private static org.junit.jupiter.params.provider.Arguments args(List<String> args, String message) {
        return org.junit.jupiter.params.provider.Arguments.of(args, message);
    }

    @Test
    void merge_sends_every_argument_exactly_whatever_characters_it_holds() throws Exception {
        MergeRequest sent = dryRun(MergeRequest.newBuilder(), "identity", "merge", "t\"1", "s\\2", AWKWARD);
        assertEquals(MergeRequest.newBuilder().setTargetProfileId("t\"1").setSourceProfileId("s\\2").setReason(AWKWARD)
                .build(), sent);
    }

    @Test
    void resolve_sends_the_identifier_as_given() throws Exception {
        ResolveRequest sent = dryRun(ResolveRequest.newBuilder(), "identity", "resolve", "email", "\"ada\"@例え.jp");
        assertEquals("email", sent.getIdentifier().getNamespace());
        assertEquals("\"ada\"@例え.jp", sent.getIdentifier().getValue());
    }

    @Test
    void explain_takes_a_profile_id_or_the_identifier_of_a_profile_split_at_the_first_colon() throws Exception {
        ExplainProfileRequest byId = dryRun(ExplainProfileRequest.newBuilder(), "identity", "explain",
                "6f1c2a9e-7d3b-4f55-9a61-0d2b8c7e4a10");
        assertEquals("6f1c2a9e-7d3b-4f55-9a61-0d2b8c7e4a10", byId.getProfileId());
        ExplainProfileRequest byIdentifier = dryRun(ExplainProfileRequest.newBuilder(), "identity", "explain",
                "crm_id:eu:42 \"x\"");
        assertEquals("crm_id", byIdentifier.getIdentifier().getNamespace());
        assertEquals("eu:42 \"x\"", byIdentifier.getIdentifier().getValue());
    }

    @Test
    void unmerge_sends_the_merge_sequence_as_a_number() throws Exception {
        UnmergeRequest sent = dryRun(UnmergeRequest.newBuilder(), "identity", "unmerge", "p-1", "9007199254740993",
                AWKWARD);
        assertEquals(9007199254740993L, sent.getMergeSequence(), "beyond a double's integers, still exact");
        assertEquals(AWKWARD, sent.getReason());
        assertTrue(CommandRun.of("identity", "unmerge", "p-1", "42", "r", "--dry-run").out()
                .contains("\"mergeSequence\": \"42\""), "int64 in proto JSON is a string");
    }

    @Test
    void approve_and_reject_send_the_hold_and_the_reason() throws Exception {
        assertEquals(ApproveHeldMergeRequest.newBuilder().setHoldId("h-1").setReason(AWKWARD).build(),
                dryRun(ApproveHeldMergeRequest.newBuilder(), "identity", "approve", "h-1", AWKWARD));
        assertEquals(RejectHeldMergeRequest.newBuilder().setHoldId("h-2").setReason(AWKWARD).build(),
                dryRun(RejectHeldMergeRequest.newBuilder(), "identity", "reject", "h-2", AWKWARD));
    }

    /** What a command would send, read back from its --dry-run JSON as the RPC's request message. */
    @SuppressWarnings("unchecked")
    private static <M extends Message> M dryRun(Message.Builder into, String... args) throws Exception {
        List<String> withDryRun = new ArrayList<>(List.of(args));
        withDryRun.add("--dry-run");
        CommandRun run = CommandRun.of(withDryRun.toArray(String[]::new));
        assertEquals(0, run.status(), run.toString());
        JsonFormat.parser().merge(run.out(), into);
        return (M) into.build();
    }

    @Test
    void the_completion_script_completes_commands_subcommands_and_known_values_in_bash() throws Exception {
        CommandRun run = CommandRun.of("completion");
        assertEquals(0, run.status(), run.toString());
        Path script = Files.createTempFile("cairn-completion-", ".bash");
        Files.writeString(script, run.out());
        assertEquals(List.of("identity"), complete(script, "./cairn", "ide"));
        assertEquals(List.of("merge"), complete(script, "./cairn", "identity", "mer"));
        assertEquals(Set.of("rebuild", "reject", "resolve"), Set.copyOf(complete(script, "./cairn", "identity", "re")));
        assertEquals(List.of("cairn-product"), complete(script, "./cairn", "token", "cairn-p"));
        assertEquals(List.of("segments"), complete(script, "./cairn", "call", "seg"));
        assertEquals(List.of("--dry-run"), complete(script, "./cairn", "identity", "merge", "--dry"));
    }

    /** What bash offers for the last word after sourcing the script, as the shell does on TAB. */
    private static List<String> complete(Path script, String... words) throws IOException, InterruptedException {
        String array = Stream.of(words).map(w -> "'" + w + "'").reduce((a, b) -> a + " " + b).orElseThrow();
        // compopt only works inside a completion bash itself started; here it would just complain.
        String probe = "source '" + script + "'; compopt() { :; }; COMP_WORDS=(" + array + "); COMP_CWORD="
                + (words.length - 1)
                + "; COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}; _complete_cairn ./cairn; "
                + "printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process bash = new ProcessBuilder("bash", "-c", probe).redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes());
        assertEquals(0, bash.waitFor(), output);
        return output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void the_scripts_help_lists_every_command_this_cli_knows_and_no_other() throws IOException {
        String script = Files.readString(Path.of(System.getProperty("test.cairn.root"), "cairn"));
        Matcher usage = Pattern.compile("usage\\(\\) \\{\\n  cat <<EOF\\n(.*?)\\nEOF", Pattern.DOTALL).matcher(script);
        assertTrue(usage.find(), "no usage() in ./cairn");
        Set<String> listed = new TreeSet<>();
        Matcher command = Pattern.compile("(?m)^  ([a-z]+)\\b").matcher(usage.group(1));
        while (command.find()) {
            listed.add(command.group(1));
        }
        Set<String> known = new TreeSet<>(new CommandLine(new CairnCommand()).getSubcommands().keySet());
        known.remove("help");
        assertEquals(known, listed);
    }
}
