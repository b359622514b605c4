package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One training published three ways through a real broker and analyzed by the real analyzer: tensors only (LayerSteps
 * every step), statistics only (LayerStats every step, computed by the trainer in float32), and statistics every step
 * with tensors every tenth step. All three give the same neuron and layer alignments, EWMA, roles and phase events
 * within float tolerance; the tensors of the mixed run agree with its statistics (no dead letters); and a replay of the
 * statistics-only log gives what the live analysis gave.
 */
class LayerStatsEndToEndTest {
    /** Cosines from float32 statistics differ from those of the tensors by about 1e-6 here (|X||H| (n+2) 2^-24 at most). */
    private static final double TOLERANCE = 1e-4;
    private static EmbeddedKafkaBroker broker;
    private static Properties client;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().build().start();
        client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** The ReLU SRE setting in which the paper's bump shows within a few hundred steps (PhaseDetectionEndToEndTest). */
    private static TrainerConfig run(String runId) {
        return TrainerConfig.builder().runId(runId).activation(Activation.RELU).initScale(0.1).trainSize(2048)
            .validationSize(256).batchSize(64).learningRate(0.4).epochs(8).seed(1).build();
    }

    private static Analyzer analyzer(Topics in, Topics out, String id) throws InterruptedException {
        Analyzer a = Analyzer.start(new Analyzer.Options(client, in, id, stateDir.resolve(id), AnalyzerSettings.DEFAULTS,
            "127.0.0.1", -1, 2, (short) 1).withOutputTopics(out));
        a.awaitRunning(Duration.ofSeconds(120));
        return a;
    }

    private record Analysis(List<NeuronAlignment> neurons, List<LayerAlignment> layers, List<PhaseEvent> phases) {
        Analysis of(String runId) {
            Comparator<SpecificRecord> order = Comparator.comparing((SpecificRecord r) -> r.get(r.getSchema().getField("layer").pos()).toString())
                .thenComparingLong(r -> (Long) r.get(r.getSchema().getField("step").pos()));
            Function<List<? extends SpecificRecord>, List<SpecificRecord>> pick = l -> l.stream()
                .filter(r -> r.get(r.getSchema().getField("runId").pos()).toString().equals(runId))
                .map(r -> (SpecificRecord) r).sorted(order).toList();
            return new Analysis(cast(pick.apply(neurons)), cast(pick.apply(layers)), cast(pick.apply(phases)));
        }

        @SuppressWarnings("unchecked")
        private static <T> List<T> cast(List<SpecificRecord> l) {
            return (List<T>) (List<?>) l;
        }
    }

    private static Analysis read(Topics out) {
        return new Analysis(TopicReader.readAll(client, out.neuronAlignment()), TopicReader.readAll(client, out.layerAlignment()),
            TopicReader.readAll(client, out.phases()));
    }

    /** Without new output for this long the analysis has stalled; while it progresses (slowly on a loaded CI), wait. */
    private static final Duration STALL = Duration.ofMinutes(4);

    private static Analysis awaitAnalyzed(Topics out, long layerSteps, Analyzer analyzer) throws InterruptedException {
        long seen = -1;
        long progressAt = System.nanoTime();
        while (true) {
            assertThat(analyzer.failure()).isNull();
            Analysis got = read(out);
            if (got.layers().size() >= layerSteps && got.neurons().size() >= layerSteps) {
                return got;
            }
            long outputs = got.layers().size() + (long) got.neurons().size();
            if (outputs > seen) {
                seen = outputs;
                progressAt = System.nanoTime();
            } else if (System.nanoTime() - progressAt > STALL.toNanos()) {
                throw new AssertionError("the analysis stalled: no new output for " + STALL.toMinutes() + " minutes, "
                    + got.layers().size() + " layer and " + got.neurons().size() + " neuron alignments of " + layerSteps
                    + " each");
            }
            Thread.sleep(1000);
        }
    }

    @Test
    void oneTrainingPublishedAsTensorsAsStatisticsAndAsBothIsAnalyzedAlike() throws Exception {
        Topics topics = new Topics("stats-e2e");
        Map<String, PublishPolicy> ways = Map.of(
            "tensors", new PublishPolicy(1, 1000, DType.FLOAT32, 512 * 1024),
            "stats", new PublishPolicy(0, 1000, DType.FLOAT32, 512 * 1024, 1),
            "both", new PublishPolicy(10, 1000, DType.FLOAT32, 512 * 1024, 1));
        long steps = 0;
        Analysis live;
        try (Analyzer analyzer = analyzer(topics, topics, "stats-e2e-analyzer")) {
            for (String way : List.of("tensors", "stats", "both")) {
                try (EventPublisher publisher = new EventPublisher(client, topics, ways.get(way))) {
                    RunSummary s = new Trainer(run(way)).run(publisher);
                    assertThat(s.status()).isEqualTo("completed");
                    steps = s.steps();
                    if (way.equals("stats")) {
                        assertThat(publisher.layerStepsSent()).isZero();
                        assertThat(publisher.layerStatsSent()).isEqualTo(3 * steps);
                    }
                }
            }
            live = awaitAnalyzed(topics, 3 * 3 * steps, analyzer);
        }
        Analysis tensors = live.of("tensors");
        Analysis stats = live.of("stats");
        Analysis both = live.of("both");
        assertThat(tensors.layers()).hasSize((int) (3 * steps));
        assertThat(tensors.phases()).extracting(PhaseEvent::getKind).contains(PhaseKind.BUMP_PEAK);
        assertSame(tensors, stats, TOLERANCE);
        assertSame(stats, both, TOLERANCE);
        assertThat(TopicReader.readAll(client, topics.deadLetters())).extracting(DeadLetter::getReason).isEmpty();
        // what went over the wire: statistics are about rows x 64 bytes a layer step, tensors rows x cols x 16
        long statsBytes = TopicReader.readAll(client, topics.layerStats()).stream().filter(r -> r.getRunId().equals("stats"))
            .mapToLong(r -> bytes(r.getSums()) + bytes(r.getUpdateSketch())).sum();
        long tensorBytes = TopicReader.readAll(client, topics.layerSteps()).stream().filter(r -> r.getRunId().equals("tensors"))
            .mapToLong(r -> bytes(r.getGradient()) + bytes(r.getHebbian()) + bytes(r.getUpdate())).sum();
        assertThat(statsBytes * 10).isLessThan(tensorBytes);

        // Replay of the statistics-only log: a new application id from offset 0, results under another prefix.
        Topics replayed = new Topics("stats-e2e-replay");
        try (Analyzer replay = analyzer(topics, replayed, "stats-e2e-replay")) {
            Analysis again = awaitAnalyzed(replayed, 3 * 3 * steps, replay).of("stats");
            assertSame(stats, again, 0.0);
        }
    }

    private static long bytes(Tensor t) {
        return t.getBytes().remaining();
    }

    private static void assertSame(Analysis a, Analysis b, double tolerance) {
        assertRecords(a.neurons(), b.neurons(), tolerance);
        assertRecords(a.layers(), b.layers(), tolerance);
        assertRecords(a.phases(), b.phases(), tolerance);
    }

    private static void assertRecords(List<? extends SpecificRecord> a, List<? extends SpecificRecord> b, double tolerance) {
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            for (Schema.Field f : a.get(i).getSchema().getFields()) {
                if (!f.name().equals("runId")) {
                    assertValue(a.get(i).get(f.pos()), b.get(i).get(f.pos()), tolerance,
                        a.get(i).getClass().getSimpleName() + " " + i + " " + f.name());
                }
            }
        }
    }

    private static void assertValue(Object x, Object y, double tolerance, String what) {
        if (x == null || y == null) {
            assertThat(y).as(what).isEqualTo(x);
        } else if (x instanceof Double || x instanceof Float) {
            assertThat(((Number) y).doubleValue()).as(what).isCloseTo(((Number) x).doubleValue(),
                org.assertj.core.api.Assertions.within(tolerance));
        } else if (x instanceof Tensor tx) {
            double[] vx = TensorCodec.decodeDoubles(tx);
            double[] vy = TensorCodec.decodeDoubles((Tensor) y);
            assertThat(vy).as(what).hasSameSizeAs(vx);
            for (int i = 0; i < vx.length; i++) {
                assertThat(vy[i]).as(what + "[" + i + "]").isCloseTo(vx[i], org.assertj.core.api.Assertions.within(tolerance));
            }
        } else if (x instanceof Map<?, ?> mx) {
            Map<?, ?> my = (Map<?, ?>) y;
            assertThat(my.keySet()).as(what).isEqualTo(mx.keySet());
            mx.forEach((k, v) -> assertValue(v, my.get(k), tolerance, what + "[" + k + "]"));
        } else {
            assertThat(y.toString()).as(what).isEqualTo(x.toString());
        }
    }

    /**
     * The scale issue's model size, at a small step count: a 12.6-million-weight MLP (1024-2048-2048-2048-1024)
     * publishes statistics every step and tensors every fourth (200 MB: step 0 here), and the analyzer gives every
     * layer's alignment at every step, the tensors agreeing with the statistics (no dead letter). The full measurement
     * (lag, overhead) is {@code bench --scale}.
     */
    @Test
    void aTenMillionWeightMlpIsAnalyzedAtEveryStepFromItsStatistics() throws Exception {
        Topics topics = new Topics("stats-large");
        TrainerConfig config = TrainerConfig.builder().runId("large").widths(1024, 2048, 2048, 2048, 1024)
            .activation(Activation.RELU).trainSize(128).validationSize(64).batchSize(64).learningRate(0.01).epochs(2)
            .seed(1).build();
        long weights;
        long steps;
        try (Analyzer analyzer = analyzer(topics, topics, "stats-large-analyzer")) {
            try (EventPublisher publisher = new EventPublisher(client, topics,
                new PublishPolicy(4, 1000, DType.FLOAT32, 512 * 1024, 1))) {
                Trainer trainer = new Trainer(config);
                weights = trainer.runInfo().layers().stream().mapToLong(l -> (long) l.rows() * l.cols()).sum();
                RunSummary s = trainer.run(publisher);
                assertThat(s.status()).isEqualTo("completed");
                steps = s.steps();
                assertThat(publisher.layerStatsSent()).isGreaterThanOrEqualTo(4 * steps);
            }
            Analysis analysis = awaitAnalyzed(topics, 4 * steps, analyzer).of("large");
            assertThat(analysis.layers()).hasSize((int) (4 * steps));
            assertThat(analysis.layers()).extracting(LayerAlignment::getStep).containsOnly(0L, 1L, 2L, 3L);
            assertThat(analysis.layers()).allSatisfy(a -> assertThat(a.getSignal()).isBetween(-1.0, 1.0));
        }
        assertThat(weights).isGreaterThan(10_000_000L);
        assertThat(steps).isEqualTo(4);
        assertThat(TopicReader.readAll(client, topics.deadLetters())).extracting(DeadLetter::getReason).isEmpty();
    }
}
