package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 11, the fault suite: busy threads (cores + 1 of them, spinning in this JVM) starve the CPU while {@code import}
 * and {@code demo} run. Both must complete, with the results an unstarved run gives: the imported log holds every
 * exported record once, byte for byte; the demo's analysis equals a {@code replay} of the demo's log afterwards.
 * The long suite ({@code -Dhebbscope.faultSuite=long}) imports more runs and runs a longer demo with four threads.
 */
class FaultSuiteBusyCpuTest {
    private static final int PARTITIONS = 4;
    private static final int BUSY_THREADS = FaultSuite.isLong() ? 4 : FaultSuite.BusyThreads.defaultCount();
    private static final int IMPORT_RUNS = FaultSuite.isLong() ? 6 : 2;
    private static final int IMPORT_EPOCHS = FaultSuite.isLong() ? 10 : 4;
    private static final int DEMO_EPOCHS = FaultSuite.isLong() ? 12 : 4;
    /** 1024 training examples in the demo's batches of 256. */
    private static final int DEMO_STEPS_PER_EPOCH = 4;

    private static EmbeddedKafkaBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void importUnderBusyThreadsWritesEveryExportedRecordOnce() throws Exception {
        long t0 = System.nanoTime();
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics original = new Topics("bc");
        Topics imported = new Topics("bc-imported");
        TopicSetup.ensureTopics(client, original, PARTITIONS, (short) 1);
        for (int i = 0; i < IMPORT_RUNS; i++) {
            TrainerConfig config = TrainerConfig.builder().runId("bc-run-" + i).trainSize(512).validationSize(64).batchSize(64)
                .epochs(IMPORT_EPOCHS).learningRate(0.05).seed(20 + i).build();
            // Small blocks and a snapshot every 4 steps: many records, some of them large.
            try (EventPublisher p = new EventPublisher(client, original,
                new PublishPolicy(1, 4, io.hebbscope.schema.DType.FLOAT32, 16 * 1024))) {
                new Trainer(config).run(p);
            }
        }
        Path archive = dir.resolve("export");
        assertThat(execute("export", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", original.prefix(),
            "--out", archive.toString()).code()).isZero();

        Outcome outcome;
        long importStart = System.nanoTime();
        String importTime;
        int busy;
        try (FaultSuite.BusyThreads threads = new FaultSuite.BusyThreads(BUSY_THREADS)) {
            busy = threads.count();
            outcome = execute("import", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", imported.prefix(),
                "--in", archive.toString(), "--partitions", Integer.toString(PARTITIONS));
            importTime = FaultSuite.secondsSince(importStart);
        }
        assertThat(outcome.code()).as("%s", outcome).isZero();
        assertThat(outcome.out()).contains("imported ");

        FaultSuite.Tally runs = FaultSuite.Tally.of(TopicReader.readAll(client, imported.runs()),
            TopicReader.readAll(client, original.runs()), FaultSuiteBusyCpuTest::runKey);
        List<LayerStep> originalSteps = TopicReader.readAll(client, original.layerSteps());
        FaultSuite.Tally steps = FaultSuite.Tally.of(TopicReader.readAll(client, imported.layerSteps()), originalSteps,
            s -> s.getRunId() + "/" + s.getLayer() + "/" + s.getStep() + "/" + s.getBlockIndex());
        FaultSuite.Tally metrics = FaultSuite.Tally.of(TopicReader.readAll(client, imported.trainMetrics()),
            TopicReader.readAll(client, original.trainMetrics()), (StepMetrics m) -> m.getRunId() + "/" + m.getStep());
        System.out.printf("fault suite (%s), busy CPU: import of %d runs under %d busy threads on %d cores took %s; against "
                + "the exported log: runs records %s, layer steps %s, train metrics %s; lost %d, duplicated %d; %s%n",
            FaultSuite.mode(), IMPORT_RUNS, busy, Runtime.getRuntime().availableProcessors(), importTime, runs, steps, metrics,
            runs.lost() + steps.lost() + metrics.lost(), runs.duplicated() + steps.duplicated() + metrics.duplicated(),
            FaultSuite.secondsSince(t0));
        assertThat(originalSteps).hasSizeGreaterThan(IMPORT_RUNS * IMPORT_EPOCHS * 8 * 3);
        for (FaultSuite.Tally t : List.of(runs, steps, metrics)) {
            assertThat(t.clean()).as("%s", t).isTrue();
        }
        // Byte for byte, too.
        for (int i = 0; i < 3; i++) {
            String from = original.inputNames().get(i);
            String to = imported.inputNames().get(i);
            assertThat(ArchiveEndToEndTest.rawRecords(client, to, null)).as(to)
                .isEqualTo(ArchiveEndToEndTest.rawRecords(client, from, null));
        }
    }

    @Test
    void demoUnderBusyThreadsCompletesWithWhatAReplayOfItsLogWrites() throws Exception {
        long t0 = System.nanoTime();
        Path data = dir.resolve("demo-data");
        Outcome demo;
        String demoTime;
        int busy;
        try (FaultSuite.BusyThreads threads = new FaultSuite.BusyThreads(BUSY_THREADS)) {
            busy = threads.count();
            demo = execute("demo", "--epochs", Integer.toString(DEMO_EPOCHS), "--train-size", "1024", "--validation-size",
                "256", "--metrics-port", "0", "--no-progress", "--run-id", "busy-demo", "--data-dir", data.toString());
            demoTime = FaultSuite.secondsSince(t0);
        }
        int steps = DEMO_EPOCHS * DEMO_STEPS_PER_EPOCH;
        assertThat(demo.code()).as("%s", demo).isZero();
        assertThat(demo.out()).contains("training completed after " + steps + " steps").doesNotContain("has not finished");

        // The demo's log, analyzed again by a replay on an unloaded machine: the same results.
        Topics live = Topics.withDefaultPrefix();
        Topics replay = new Topics("busy-replay");
        try (EmbeddedKafkaBroker kept = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).build().start()) {
            Outcome replayed = execute("replay", "--bootstrap-servers", kept.bootstrapServers(), "--output-topic-prefix",
                replay.prefix(), "--application-id", "busy-replay-app", "--metrics-port", "-1");
            assertThat(replayed.code()).as("%s", replayed).isZero();
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kept.bootstrapServers());
            MultiInstanceEndToEndTest.Results liveResults = MultiInstanceEndToEndTest.Results.read(client, live);
            MultiInstanceEndToEndTest.Results replayResults = MultiInstanceEndToEndTest.Results.read(client, replay);
            FaultSuite.Tally layers = FaultSuite.Tally.of(liveResults.layers(), replayResults.layers(),
                l -> l.getRunId() + "/" + l.getLayer() + "/" + l.getStep());
            FaultSuite.Tally neurons = FaultSuite.Tally.of(liveResults.neurons(), replayResults.neurons(),
                n -> n.getRunId() + "/" + n.getLayer() + "/" + n.getStep());
            FaultSuite.Tally phases = FaultSuite.Tally.of(liveResults.phases(), replayResults.phases(),
                p -> p.getRunId() + "/" + p.getLayer() + "/" + p.getDecidedAtStep() + "/" + p.getKind());
            int dead = TopicReader.readAll(client, live.deadLetters()).size();
            System.out.printf("fault suite (%s), busy CPU: demo of %d steps under %d busy threads on %d cores took %s; "
                    + "dead letters %d; against a replay of its log: layer results %s, neuron results %s, phase events %s; "
                    + "lost %d, duplicated %d; %s%n",
                FaultSuite.mode(), steps, busy, Runtime.getRuntime().availableProcessors(), demoTime, dead, layers, neurons,
                phases, layers.lost() + neurons.lost() + phases.lost(),
                layers.duplicated() + neurons.duplicated() + phases.duplicated(), FaultSuite.secondsSince(t0));
            assertThat(replayResults.layers()).hasSize(steps * 3);
            for (FaultSuite.Tally t : List.of(layers, neurons, phases)) {
                assertThat(t.clean()).as("%s", t).isTrue();
            }
            assertThat(liveResults).isEqualTo(replayResults);
            assertThat(dead).isZero();
        }
    }

    private static String runKey(SpecificRecord r) {
        if (r instanceof RunStarted s) {
            return "started/" + s.getRunId();
        }
        if (r instanceof RunFinished f) {
            return "finished/" + f.getRunId();
        }
        return "other/" + r;
    }

    record Outcome(int code, String out, String err) {}

    private static Outcome execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }
}
