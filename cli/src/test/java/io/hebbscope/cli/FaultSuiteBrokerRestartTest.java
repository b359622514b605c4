package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.bench.ChildJvm;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, the fault suite: the broker is stopped in the middle of two real runs and restarted on its data directory
 * and ports (once; three times in the long suite, {@code -Dhebbscope.faultSuite=long}). The trainers' producers and
 * the {@code analyze} process (a child JVM) ride it out: the trainers keep publishing while the broker is down (their
 * producers buffer and retry within the publisher's delivery timeout), and the analyzer's outputs equal what an
 * uninterrupted replay of the log writes afterwards: no result lost, none duplicated, the same values.
 *
 * <p>As in {@link FaultSuiteEndToEndTest}, the trainers are paced by the analyzer (step {@code s} waits for its run's
 * results of step {@code s - LAG}) so that the broker stops while both are at work; it restarts once both trainers
 * have run ahead to that lag while it was down, so every stop has records waiting in the producers.
 */
class FaultSuiteBrokerRestartTest {
    private static final int PARTITIONS = 4;
    private static final Duration LIMIT = Duration.ofMinutes(10);
    private static final int RESTARTS = FaultSuite.isLong() ? 3 : 1;
    private static final int EPOCHS = FaultSuite.isLong() ? 12 : 4;
    private static final int STEPS_PER_EPOCH = 8;
    private static final int LAYERS = 3;
    private static final int LAG = Math.min(STEPS_PER_EPOCH, EPOCHS * STEPS_PER_EPOCH / (RESTARTS + 1));

    @TempDir
    static Path dir;

    /** The broker of the moment: each restart is a new instance on the same data directory and ports. */
    private EmbeddedKafkaBroker broker;

    @Test
    void theBrokerStoppedAndRestartedMidRunLosesAndDuplicatesNothing() throws Exception {
        long t0 = System.nanoTime();
        Path data = dir.resolve("kafka");
        int brokerPort = freePort();
        int controllerPort = freePort();
        while (controllerPort == brokerPort) {
            controllerPort = freePort();
        }
        broker = startBroker(data, brokerPort, controllerPort);
        try {
            run(t0, data, brokerPort, controllerPort);
        } finally {
            broker.close();
        }
    }

    private void run(long t0, Path data, int brokerPort, int controllerPort) throws Exception {
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics in = new Topics("br");
        Topics live = new Topics("br-live");
        Topics replay = new Topics("br-replay");
        for (Topics t : List.of(in, live, replay)) {
            TopicSetup.ensureTopics(client, t, PARTITIONS, (short) 1);
        }
        List<TrainerConfig> runs = List.of(
            TrainerConfig.builder().runId("br-run-0").activation(Activation.RELU).initScale(0.1).learningRate(0.3)
                .trainSize(512).validationSize(64).batchSize(64).epochs(EPOCHS).seed(5).build(),
            TrainerConfig.builder().runId("br-run-1").activation(Activation.TANH).learningRate(0.05)
                .trainSize(512).validationSize(64).batchSize(64).epochs(EPOCHS).seed(6).build());
        long expectedLayerSteps = (long) runs.size() * EPOCHS * STEPS_PER_EPOCH * LAYERS;

        Path work = Files.createDirectories(dir.resolve("live"));
        List<String> timeline = new ArrayList<>();
        long[] stoppedAt = new long[RESTARTS];
        long[] downMillis = new long[RESTARTS];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ChildJvm analyzer = null;
        try (FaultSuite.ResultsWatch results = new FaultSuite.ResultsWatch(client, live)) {
            analyzer = ChildJvm.start(work, "analyzer", Hebbscope.class.getName(), List.of("analyze", "--bootstrap-servers",
                broker.bootstrapServers(), "--topic-prefix", in.prefix(), "--output-topic-prefix", live.prefix(),
                "--application-id", "br-live-app", "--state-dir", work.resolve("state").toString(), "--metrics-port", "-1",
                "--plugins", "none", "--partitions", Integer.toString(PARTITIONS), "--replication", "1",
                "--connect-timeout", "120"));
            analyzer.awaitOutput(" running on ", LIMIT);
            timeline.add("analyzer running at " + FaultSuite.secondsSince(t0));

            List<Thread> trainers = new ArrayList<>();
            List<AtomicBoolean> atLag = new ArrayList<>();
            for (TrainerConfig c : runs) {
                AtomicBoolean waiting = new AtomicBoolean();
                atLag.add(waiting);
                TrainingListener pace = step -> {
                    long needed = (step.step() - LAG) * LAYERS;
                    if (results.has(c.runId(), needed)) {
                        return;
                    }
                    waiting.set(true);
                    try {
                        results.awaitRun(c.runId(), needed, () -> failure.get() != null);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        waiting.set(false);
                    }
                };
                Thread t = new Thread(() -> {
                    try (EventPublisher p = new EventPublisher(client, in, PublishPolicy.DEFAULT)) {
                        new Trainer(c).run(pace, p);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "br-" + c.runId());
                t.setDaemon(true);
                t.start();
                trainers.add(t);
            }

            ChildJvm child = analyzer;
            for (int i = 1; i <= RESTARTS; i++) {
                long threshold = expectedLayerSteps * i / (RESTARTS + 1);
                await().atMost(LIMIT).pollInterval(Duration.ofMillis(20)).until(() ->
                    failure.get() != null || !child.isAlive() || results.total() >= threshold);
                assertThat(failure.get()).isNull();
                assertThat(child.isAlive()).as("the analyzer is alive; output:%n%s", child.outputTail()).isTrue();
                long down = System.nanoTime();
                broker.close();
                stoppedAt[i - 1] = results.total();
                timeline.add("broker stopped at " + FaultSuite.secondsSince(t0) + " after " + stoppedAt[i - 1] + " results");
                // Both trainers run on while the broker is down, up to the lag: their publishers hold those steps.
                await().atMost(LIMIT).pollInterval(Duration.ofMillis(20)).until(() -> failure.get() != null
                    || java.util.stream.IntStream.range(0, trainers.size())
                        .allMatch(t -> atLag.get(t).get() || !trainers.get(t).isAlive()));
                assertThat(failure.get()).isNull();
                broker = startBroker(data, brokerPort, controllerPort);
                downMillis[i - 1] = (System.nanoTime() - down) / 1_000_000;
                timeline.add("broker restarted at " + FaultSuite.secondsSince(t0) + ", down " + downMillis[i - 1] + " ms");
            }
            for (Thread t : trainers) {
                t.join(LIMIT.toMillis());
                assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
            }
            assertThat(failure.get()).isNull();
            timeline.add("trainers done at " + FaultSuite.secondsSince(t0));
            FaultSuiteEndToEndTest.awaitResults(client, live, expectedLayerSteps, 0);
            timeline.add("live done at " + FaultSuite.secondsSince(t0));
            assertThat(analyzer.isAlive()).as("the analyzer rode out the restarts; output:%n%s", analyzer.outputTail()).isTrue();
        } finally {
            failure.compareAndSet(null, new IllegalStateException("the test ended")); // releases waiting trainers
            if (analyzer != null) {
                analyzer.close();
            }
        }
        try (Analyzer reference = Analyzer.start(new Analyzer.Options(client, in, "br-replay-app", dir.resolve("replay"),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, PARTITIONS, (short) 1).withOutputTopics(replay), List.of())) {
            reference.awaitRunning(LIMIT);
            FaultSuiteEndToEndTest.awaitResults(client, replay, expectedLayerSteps, 0);
        }
        timeline.add("replay done at " + FaultSuite.secondsSince(t0));
        MultiInstanceEndToEndTest.Results liveResults = MultiInstanceEndToEndTest.Results.read(client, live);
        MultiInstanceEndToEndTest.Results replayResults = MultiInstanceEndToEndTest.Results.read(client, replay);
        List<DeadLetter> liveDead = TopicReader.readAll(client, live.deadLetters());
        FaultSuite.Tally layers = FaultSuite.Tally.of(liveResults.layers(), replayResults.layers(),
            l -> l.getRunId() + "/" + l.getLayer() + "/" + l.getStep());
        FaultSuite.Tally neurons = FaultSuite.Tally.of(liveResults.neurons(), replayResults.neurons(),
            n -> n.getRunId() + "/" + n.getLayer() + "/" + n.getStep());
        FaultSuite.Tally phases = FaultSuite.Tally.of(liveResults.phases(), replayResults.phases(),
            p -> p.getRunId() + "/" + p.getLayer() + "/" + p.getDecidedAtStep() + "/" + p.getKind());
        System.out.println("fault suite (" + FaultSuite.mode() + "), broker restart: " + timeline);
        System.out.printf("fault suite (%s), broker restart: restarts %d (stopped at %s of %d layer results, down %s ms) "
                + "on the same data directory and port %d, the analyzer alive throughout; dead letters %d; against an "
                + "uninterrupted replay: layer results %s, neuron results %s, phase events %s; lost %d, duplicated %d; %s%n",
            FaultSuite.mode(), RESTARTS, java.util.Arrays.toString(stoppedAt), expectedLayerSteps,
            java.util.Arrays.toString(downMillis), brokerPort, liveDead.size(), layers, neurons, phases,
            layers.lost() + neurons.lost() + phases.lost(), layers.duplicated() + neurons.duplicated() + phases.duplicated(),
            FaultSuite.secondsSince(t0));
        assertThat(java.util.Arrays.stream(stoppedAt).allMatch(k -> k < expectedLayerSteps))
            .as("every stop came during the run").isTrue();
        assertThat(replayResults.layers()).hasSize((int) expectedLayerSteps);
        assertThat(replayResults.neurons()).hasSize((int) expectedLayerSteps);
        for (FaultSuite.Tally t : List.of(layers, neurons, phases)) {
            assertThat(t.clean()).as("%s", t).isTrue();
        }
        assertThat(liveResults).isEqualTo(replayResults);
        assertThat(liveDead).isEmpty();
    }

    private static EmbeddedKafkaBroker startBroker(Path data, int brokerPort, int controllerPort) {
        return EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).brokerPort(brokerPort).controllerPort(controllerPort)
            .build().start();
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
