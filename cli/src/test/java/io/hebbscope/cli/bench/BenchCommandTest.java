package io.hebbscope.cli.bench;

import io.hebbscope.bench.BenchTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hebbscope.cli.Hebbscope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole harness at a small size against its real in-process broker, real analyzers (one a child process killed
 * with SIGKILL) and Kafka's real perf tools: every figure is produced, in the JSON and in the Markdown table. No
 * figure's value is judged; only that it exists and is a positive, finite number.
 */
class BenchCommandTest {
    private static final int TRAINERS = 4;

    /** JSON Pointer of every figure (and the detail that backs it) that a run must produce. */
    private static final List<String> REQUIRED = List.of(
        "/machine/cores", "/machine/maxHeapMb",
        "/settings/warmupSteps", "/settings/measuredSteps", "/settings/lagStepsPerTrainer", "/settings/trainers",
        "/stepTime/trainingAlone/medianMs", "/stepTime/trainingAlone/meanMs", "/stepTime/trainingAlone/p90Ms",
        "/stepTime/probe/medianMs", "/stepTime/probe/meanMs", "/stepTime/probe/p90Ms",
        "/stepTime/probePublishing/medianMs", "/stepTime/probePublishing/meanMs", "/stepTime/probePublishing/p90Ms",
        "/stepTime/probeMedianRatio", "/stepTime/publishingMedianRatio", "/stepTime/publishingP90Ratio",
        "/publishing/trainer/mbPerSecond", "/publishing/trainer/recordsPerSecond", "/publishing/trainer/bytes",
        "/publishing/publisherOnly/mbPerSecond", "/publishing/publisherOnly/recordsPerSecond",
        "/publishing/producerPerformance/mbPerSecond", "/publishing/producerPerformance/recordsPerSecond",
        "/publishing/producerPerformance/recordSize", "/publishing/publisherOnlyRatio",
        "/fleet/oneAnalyzer/all/p99Ms", "/fleet/twoAnalyzers/all/p99Ms", "/fleet/twoAnalyzers/seconds",
        "/analyzer/liveOneTrainer/mbPerSecond", "/analyzer/liveOneTrainer/trainerMbPerSecond",
        "/analyzer/liveTrainers/mbPerSecond", "/analyzer/liveTrainers/trainerMbPerSecond",
        "/analyzer/storedLog/mbPerSecondFromStart", "/analyzer/storedLog/mbPerSecondFromRunning",
        "/analyzer/replay/mbPerSecondFromStart", "/analyzer/replay/mbPerSecondFromRunning",
        "/analyzer/consumerPerformance/mbPerSecond", "/analyzer/consumerPerformance/fetchMbPerSecond",
        "/analyzer/consumerPerformance/records",
        "/analyzer/storedFromStartRatio", "/analyzer/storedFromRunningRatio", "/analyzer/storedToTrainerRatio",
        "/analyzer/replayFromStartRatio", "/analyzer/replayFromRunningRatio",
        "/analyzer/longLog/steps", "/analyzer/longLog/trainer/mbPerSecond",
        "/analyzer/longLog/consumerPerformance/fetchMbPerSecond", "/analyzer/longLog/mainPath/mbPerSecondFromRunning",
        "/analyzer/longLog/fromRunningRatio", "/analyzer/longLog/toTrainerRatio",
        "/analyzer/streamsReadOnly/records", "/analyzer/streamsReadOnly/mbPerSecondFromStart",
        "/analyzer/streamsReadOnly/mbPerSecondFromRunning", "/analyzer/streamsReadOnlyRatio",
        "/analyzer/storedToStreamsRatio", "/analyzer/longLog/streamsReadOnly/mbPerSecondFromRunning",
        "/analyzer/longLog/streamsReadOnlyRatio", "/analyzer/longLog/toStreamsRatio",
        "/analyzer/longLog/analysisAlone/bestMbPerSecond", "/analyzer/longLog/analysisAlone/layerSteps",
        "/analyzer/longLog/analysisAloneRatio", "/analyzer/longLog/toAnalysisAloneRatio",
        "/analyzer/longLog/analysisAlone/firstMbPerSecond", "/analyzer/longLog/toFirstAnalysisPassRatio",
        "/lag/oneTrainer/p50Ms", "/lag/oneTrainer/p99Ms", "/lag/oneTrainer/maxMs", "/lag/oneTrainer/samples",
        "/lag/trainers/p50Ms", "/lag/trainers/p99Ms", "/lag/trainers/maxMs", "/lag/trainers/samples",
        "/lag/oneTrainerYielding/p99Ms", "/lag/oneTrainerYielding/samples", "/lag/trainersYielding/p99Ms",
        "/lag/trainersYielding/samples", "/lag/oneTrainerYieldingSpeed", "/lag/trainersYieldingSpeed",
        "/recovery/killToOutputSeconds", "/recovery/restartToOutputSeconds", "/recovery/restartToRunningSeconds",
        "/recovery/outputsBeforeKill");

    /** The only numbers that may be 0, and the only fields that may be null. */
    private static final Set<String> MAY_BE_ZERO = Set.of("/machine/loadAverageAtStart",
        "/analyzer/longLog/analysisAlone/gcSeconds/[]", "/analyzer/storedLog/cpu/streamsWaiting",
        "/analyzer/storedLog/cpu/analyzerWaiting", "/analyzer/storedLog/cpu/gc", "/analyzer/longLog/mainPath/cpu/streamsWaiting",
        "/analyzer/longLog/mainPath/cpu/analyzerWaiting", "/analyzer/longLog/mainPath/cpu/gc");
    /** Per-thread CPU figures need Linux's schedstat; where it is missing the main path's CPU is null. */
    private static final boolean SCHEDSTAT = Files.isReadable(Path.of("/proc/thread-self/schedstat"));
    private static final List<String> CPU_REQUIRED = List.of("/analyzer/longLog/mainPath/cpu/streams",
        "/analyzer/longLog/mainPath/cpu/jit", "/analyzer/longLog/mainPath/cpu/producerIo",
        "/analyzer/longLog/mainPath/cpu/analyzerTotal", "/analyzer/longLog/mainPath/cpu/analyzerProcess",
        "/analyzer/longLog/mainPath/cpu/brokerJvm", "/analyzer/longLog/mainPath/cpu/coresBusy",
        "/analyzer/longLog/mainPath/cpu/streamsMbPerCpuSecond", "/analyzer/storedLog/cpu/streams");
    /** A replay is timed by its own line, without a CPU watch. */
    private static final Set<String> MAY_BE_NULL = SCHEDSTAT
        ? Set.of("/stepTime/queueWaitMsPerStep", "/met", "/analyzer/replay/cpu")
        : Set.of("/stepTime/queueWaitMsPerStep", "/met", "/analyzer/replay/cpu", "/analyzer/storedLog/cpu",
            "/analyzer/longLog/mainPath/cpu");

    @TempDir
    Path out;

    @Test
    void aSmallRunProducesEveryFigureInTheJsonAndTheTable() throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(stderr, true));
        int code = cl.execute("bench", "--widths", "8-16-8", "--train-size", "512", "--validation-size", "64",
            "--batch-size", "64", "--steps", "120", "--warmup", "4", "--lag-steps", "16", "--long-log-steps", "160", "--trainers",
            Integer.toString(TRAINERS), "--trainer-processes", "2", "--run-id", "bench-test", "--out", out.toString());
        assertThat(code).as("stdout:%n%s%nstderr:%n%s", stdout, stderr).isZero();

        JsonNode json = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
        for (String pointer : SCHEDSTAT ? concat(REQUIRED, CPU_REQUIRED) : REQUIRED) {
            assertThat(json.at(pointer).isNumber()).as("%s is a number in%n%s", pointer, json.toPrettyString()).isTrue();
        }
        List<String> problems = new ArrayList<>();
        check("", json, problems);
        assertThat(problems).as("in%n%s", json.toPrettyString()).isEmpty();
        assertThat(json.at("/settings/trainers").asInt()).isEqualTo(TRAINERS);
        assertThat(json.at("/settings/trainerProcesses").asInt()).isEqualTo(2);
        assertThat(json.at("/settings/publishingWarmupSteps").asInt()).isEqualTo(3 * 4); // three times --warmup
        for (String fleet : List.of("/fleet/oneAnalyzer", "/fleet/twoAnalyzers")) {
            assertThat(json.at(fleet + "/runs").size()).as(fleet).isEqualTo(2);
            json.at(fleet + "/runs").forEach(run -> assertThat(run.get("p99Ms").isNumber()).as(run.toString()).isTrue());
        }
        assertThat(json.at("/stepTime/queueWaitNote").asText()).isNotBlank();
        // the read-only Kafka Streams yardstick read every layer step the trainer published, as ConsumerPerformance did
        assertThat(json.at("/analyzer/streamsReadOnly/records").asLong())
            .isEqualTo(json.at("/analyzer/consumerPerformance/records").asLong());
        assertThat(json.at("/analyzer/longLog/streamsReadOnly/records").asLong())
            .isEqualTo(json.at("/analyzer/longLog/consumerPerformance/records").asLong());
        assertThat(json.at("/analyzer/longLog/analysisAlone/layerSteps").asLong())
            .isEqualTo(json.at("/analyzer/longLog/consumerPerformance/records").asLong());
        // and the same bytes the broker acknowledged to the trainer (the main path's MB)
        assertThat(json.at("/analyzer/streamsReadOnly/mb").asDouble())
            .isCloseTo(json.at("/analyzer/storedLog/mb").asDouble(), within(1e-6));
        assertThat(json.at("/analyzer/longLog/streamsReadOnly/mb").asDouble())
            .isCloseTo(json.at("/analyzer/longLog/mainPath/mb").asDouble(), within(1e-6));
        assertThat(json.at("/analyzer/longLog/analysisAlone/mb").asDouble())
            .isCloseTo(json.at("/analyzer/longLog/mainPath/mb").asDouble(), within(1e-6));
        assertThat(json.at("/analyzer/longLog/analysisAlone/roundSeconds").size()).isEqualTo(5);
        assertThat(json.at("/analyzer/longLog/analysisAlone/gcSeconds").size()).isEqualTo(5);
        if (SCHEDSTAT) {
            // the threads by kind add up to the analyzer's whole CPU; its Kafka Streams threads did the analysis
            JsonNode cpu = json.at("/analyzer/longLog/mainPath/cpu");
            assertThat(cpu.get("streams").asDouble() + cpu.get("jit").asDouble() + cpu.get("producerIo").asDouble()
                + cpu.get("gc").asDouble() + cpu.get("other").asDouble()).isCloseTo(cpu.get("analyzerTotal").asDouble(), within(1e-6));
            assertThat(cpu.get("streamsMbPerCpuSecond").asDouble())
                .isCloseTo(json.at("/analyzer/longLog/mainPath/mb").asDouble() / cpu.get("streams").asDouble(), within(1e-6));
            // and the sampled threads account for most of what the kernel counted for the process, never more
            double process = cpu.get("analyzerProcess").asDouble();
            assertThat(cpu.get("analyzerTotal").asDouble()).as("sampled threads against the process's %s CPU-s", process)
                .isBetween(0.7 * process, 1.05 * process + 0.1);
        }

        List<String> figures = BenchTable.FIGURES.stream().map(f -> String.format(Locale.ROOT, f, TRAINERS)).toList();
        List<String> rows = new ArrayList<>();
        json.get("table").forEach(r -> rows.add(r.get("figure").asText()));
        assertThat(rows).containsExactlyElementsOf(figures);
        json.get("table").forEach(r -> {
            for (String column : BenchTable.HEADER) {
                assertThat(r.get(column).asText()).as("%s of %s", column, r).isNotBlank();
            }
        });

        String markdown = Files.readString(out.resolve("bench.md"), StandardCharsets.UTF_8);
        List<String> tableLines = markdown.lines().filter(l -> l.startsWith("|")).toList();
        assertThat(tableLines).hasSize(2 + figures.size());
        assertThat(tableLines.get(0)).matches("\\| figure +\\| hebbscope +\\| yardstick +\\| ratio +\\| target +\\|");
        for (int i = 0; i < figures.size(); i++) {
            assertThat(tableLines.get(2 + i)).startsWith("| " + figures.get(i) + " ");
            assertThat(tableLines.get(2 + i).split("\\|", -1)).as(tableLines.get(2 + i)).hasSize(7);
        }
        // the printed table is the Markdown one
        assertThat(stdout.toString()).contains(String.join("\n", tableLines));
    }

    /** Every number finite and positive, no null nor empty text, except where allowed. */
    private static void check(String pointer, JsonNode node, List<String> problems) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                check(pointer + "/" + e.getKey(), e.getValue(), problems);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                // numbers by the array's name; objects (table rows, runs) by their field names
                check(element.isValueNode() ? pointer + "/[]" : "", element, problems);
            }
        } else if (node.isNull()) {
            if (!MAY_BE_NULL.contains(pointer)) {
                problems.add(pointer + " is null");
            }
        } else if (node.isNumber()) {
            double v = node.asDouble();
            if (!Double.isFinite(v) || v < 0 || (v == 0 && !MAY_BE_ZERO.contains(pointer))) {
                problems.add(pointer + " = " + node);
            }
        } else if (node.isTextual() && node.asText().isBlank()) {
            problems.add(pointer + " is empty");
        }
    }

    @Test
    void badOptionsGetUsageAndExitCode2() {
        for (String[] args : new String[][] {{"--steps", "5"}, {"--warmup", "-1"}, {"--lag-steps", "0"},
            {"--trainers", "1"}, {"--trainer-processes", "0"}, {"--recovery-pace", "0"}}) {
            StringWriter err = new StringWriter();
            CommandLine cl = Hebbscope.commandLine();
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.setErr(new PrintWriter(err, true));
            List<String> line = new ArrayList<>(List.of("bench"));
            line.addAll(List.of(args));
            assertThat(cl.execute(line.toArray(String[]::new))).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString()).contains(args[0]).contains("Usage: hebbscope bench");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
