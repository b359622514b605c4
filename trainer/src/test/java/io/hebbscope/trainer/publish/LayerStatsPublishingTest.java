package io.hebbscope.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.UpdateSketch;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * LayerStats, the per-neuron statistics the trainer computes with INDArray ops, equal what the analyzer would reduce
 * the same step's tensors to (computed here directly from the published float32 tensors, in float64), within the
 * rounding bound the record declares (plus the tensors' own rounding to float32 for a float64 model); and the publish policy mixes statistics and tensors as RunStarted says.
 */
class LayerStatsPublishingTest {
    private static final Topics TOPICS = new Topics("stats");
    private static final EventCodec CODEC = EventCodec.get();

    private static TrainerConfig.Builder small() {
        return TrainerConfig.builder().runId("stats").trainSize(256).validationSize(64).batchSize(64).epochs(1)
            .learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-3).seed(9).widths(16, 40, 24, 8);
    }

    /** Every record of a run encoded with {@code policy}, in order (the encoder alone, no Kafka). */
    private static List<SpecificRecord> encodeRun(TrainerConfig config, PublishPolicy policy) {
        return encodeRun(config, policy, true);
    }

    /** The same; without {@code hebbianOnTrainingThread}, H is computed by the encoder (as the EventPublisher does). */
    private static List<SpecificRecord> encodeRun(TrainerConfig config, PublishPolicy policy, boolean hebbianOnTrainingThread) {
        List<SpecificRecord> out = new ArrayList<>();
        StepEncoder encoder = new StepEncoder(config.runId(), TOPICS, policy);
        StepCopy copy = new StepCopy();
        RunSummary summary = new Trainer(config).run(new TrainingListener() {
            @Override
            public boolean wantsTerms(long step) {
                return policy.analyzes(step);
            }

            @Override
            public boolean wantsHebbian(long step) {
                return hebbianOnTrainingThread;
            }

            @Override
            public void onStep(StepRecord step) {
                long s = step.step();
                copy.fill(step, 1000 + s, policy.publishes(s), policy.snapshots(s), policy.publishesStats(s));
                encoder.encode(copy, (t, k, v) -> out.add(CODEC.decodeAny(v)));
            }
        });
        assertThat(summary.status()).isEqualTo("completed");
        return out;
    }

    /** Checks every LayerStats against the LayerStep of the same step and layer: sums, sketch, E[h^2], weight norm. */
    private static void assertStatsMatchTensors(TrainerConfig config, int maxBlockBytes) {
        PublishPolicy policy = new PublishPolicy(1, 1, DType.FLOAT32, maxBlockBytes, 1);
        List<SpecificRecord> records = encodeRun(config, policy);
        Map<String, float[][]> tensors = new HashMap<>(); // step/layer -> gradient, signal, hebbian, update, h^2 (whole layer)
        for (SpecificRecord r : records) {
            if (r instanceof LayerStep s) {
                assertThat(s.getWithStats()).isTrue();
                float[][] layer = tensors.computeIfAbsent(s.getStep() + "/" + s.getLayer(), k -> new float[5][]);
                int rows = s.getLayerRows();
                int cols = s.getLayerCols();
                place(layer, 0, TensorCodec.decodeFloats(s.getGradient()), s.getRowOffset(), rows, cols);
                if (s.getSignal() != null) {
                    place(layer, 1, TensorCodec.decodeFloats(s.getSignal()), s.getRowOffset(), rows, cols);
                }
                place(layer, 2, TensorCodec.decodeFloats(s.getHebbian()), s.getRowOffset(), rows, cols);
                place(layer, 3, TensorCodec.decodeFloats(s.getUpdate()), s.getRowOffset(), rows, cols);
                place(layer, 4, TensorCodec.decodeFloats(s.getOutputSquareMean()), s.getRowOffset(), rows, 1);
            }
        }
        int checked = 0;
        Map<String, Double> stepNorms = new HashMap<>();
        for (SpecificRecord r : records) {
            if (r instanceof LayerStep s) {
                stepNorms.put(s.getStep() + "/" + s.getLayer(), s.getWeightNorm());
            }
        }
        for (SpecificRecord r : records) {
            if (!(r instanceof LayerStats st)) {
                continue;
            }
            assertThat(st.getWithTensors()).isTrue();
            String key = st.getStep() + "/" + st.getLayer();
            float[][] t = tensors.get(key);
            assertThat(t).as(key).isNotNull();
            int cols = st.getLayerCols();
            int n = st.getSums().getRows();
            double[] sums = TensorCodec.decodeDoubles(st.getSums());
            double[] square = TensorCodec.decodeDoubles(st.getOutputSquareMean());
            double roundoff = st.getRoundoff();
            assertThat(roundoff).isEqualTo(config.dtype() == DataType.DOUBLE ? 0x1p-53 : 0x1p-24);
            // the published tensors are float32: rounded from a float64 model's arrays (relative 2^-24 per value)
            double eps = (cols + 2) * roundoff * 1.01 + 3 * 0x1p-24;
            for (int i = 0; i < n; i++) {
                int row = st.getRowOffset() + i;
                float[] signal = t[1] != null ? t[1] : negated(t[0]);
                double hh = dot(t[2], t[2], row, cols, 1);
                double[] expected = {
                    dot(t[0], t[2], row, cols, -1), dot(t[0], t[0], row, cols, 1),
                    dot(signal, t[2], row, cols, 1), dot(signal, signal, row, cols, 1),
                    dot(t[3], t[2], row, cols, 1), dot(t[3], t[3], row, cols, 1), hh};
                for (int k = 0; k < 7; k++) {
                    double scale = k % 2 == 0 && k < 6
                        ? Math.sqrt(expected[k + 1] * hh) : expected[k];
                    assertThat(Math.abs(sums[i * 7 + k] - expected[k])).as("%s neuron %d column %d", key, row, k)
                        .isLessThanOrEqualTo(eps * scale + 1e-30);
                }
                assertThat(square[i]).isCloseTo(t[4][row], org.assertj.core.api.Assertions.within(0x1p-23 * Math.abs(square[i])));
            }
            float[] blockUpdate = java.util.Arrays.copyOfRange(t[3], st.getRowOffset() * cols, (st.getRowOffset() + n) * cols);
            double[] sketch = UpdateSketch.ofByBranches(blockUpdate, st.getRowOffset(), n, cols);
            double[] published = TensorCodec.decodeDoubles(st.getUpdateSketch());
            double abs = 0;
            for (float v : blockUpdate) {
                abs += Math.abs(v);
            }
            for (int k = 0; k < UpdateSketch.SIZE; k++) {
                assertThat(Math.abs(published[k] - sketch[k])).isLessThanOrEqualTo((blockUpdate.length + 256) * 0x1p-53 * abs);
            }
            assertThat(st.getWeightNorm()).isEqualTo(stepNorms.get(key)).isPositive();
            checked++;
        }
        assertThat(checked).isGreaterThan(0);
    }

    private static void place(float[][] layer, int term, float[] block, int rowOffset, int rows, int cols) {
        if (layer[term] == null) {
            layer[term] = new float[rows * cols];
        }
        System.arraycopy(block, 0, layer[term], rowOffset * cols, block.length);
    }

    private static float[] negated(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = -x[i];
        }
        return out;
    }

    private static double dot(float[] x, float[] y, int row, int cols, int sign) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
            s += (double) x[row * cols + c] * y[row * cols + c];
        }
        return sign * s;
    }

    @Test
    void sgdStatisticsEqualTheTensorsSums() {
        assertStatsMatchTensors(small().build(), 512 * 1024);
    }

    @Test
    void aRuleWithItsOwnSignalAndSmallStatsBlocks() {
        // 1 KiB: 16 neuron rows per statistics block, so the 40- and 24-neuron layers travel in 3 and 2 blocks
        assertStatsMatchTensors(small().rule("adam").build(), 1024);
    }

    @Test
    void doublePrecisionStatistics() {
        assertStatsMatchTensors(small().rule("oja").dtype(DataType.DOUBLE).build(), 512 * 1024);
    }

    /** H computed by the publisher from h and a gives the statistics H computed by the training step gives. */
    @Test
    void statisticsWithHComputedOffTheTrainingThreadAreTheSame() {
        for (TrainerConfig config : List.of(small().build(), small().rule("dfa").build())) {
            PublishPolicy policy = new PublishPolicy(0, 1000, DType.FLOAT32, 1024, 1);
            List<SpecificRecord> onTraining = encodeRun(config, policy, true);
            List<SpecificRecord> offTraining = encodeRun(config, policy, false);
            assertThat(offTraining).hasSameSizeAs(onTraining);
            int compared = 0;
            for (int i = 0; i < onTraining.size(); i++) {
                if (onTraining.get(i) instanceof LayerStats a) {
                    LayerStats b = (LayerStats) offTraining.get(i);
                    double[] x = TensorCodec.decodeDoubles(a.getSums());
                    double[] y = TensorCodec.decodeDoubles(b.getSums());
                    double eps = (a.getLayerCols() + 2) * a.getRoundoff() * 2;
                    for (int j = 0; j < x.length; j += 7) {
                        for (int k = 0; k < 7; k++) {
                            double scale = k % 2 == 0 && k < 6 ? Math.sqrt(x[j + k + 1] * x[j + 6]) : Math.abs(x[j + k]);
                            assertThat(Math.abs(x[j + k] - y[j + k])).isLessThanOrEqualTo(eps * scale + 1e-30);
                        }
                    }
                    assertThat(TensorCodec.decodeDoubles(b.getUpdateSketch())).containsExactly(TensorCodec.decodeDoubles(a.getUpdateSketch()));
                    compared++;
                }
            }
            assertThat(compared).isEqualTo(4 * 6); // 4 steps; 16-row blocks: 3 + 2 + 1 per step
        }
    }

    /**
     * Issue 9: H leaves the training step for the tensors too. The LayerSteps' H computed by the publisher thread
     * from the batch's h and a is the one the training thread computes (the same product on the same backend), and
     * every other tensor and statistic is unchanged; also for a float64 model and with statistics beside the tensors.
     */
    @Test
    void tensorsWithHComputedOffTheTrainingThreadAreTheSame() {
        for (TrainerConfig config : List.of(small().build(), small().rule("adam").build(),
            small().rule("oja").dtype(DataType.DOUBLE).build())) {
            for (PublishPolicy policy : List.of(new PublishPolicy(1, 2, DType.FLOAT32, 1024, 0),
                new PublishPolicy(2, 2, DType.FLOAT32, 512 * 1024, 1))) {
                List<SpecificRecord> onTraining = encodeRun(config, policy, true);
                List<SpecificRecord> offTraining = encodeRun(config, policy, false);
                assertThat(offTraining).hasSameSizeAs(onTraining);
                int steps = 0;
                for (int i = 0; i < onTraining.size(); i++) {
                    if (onTraining.get(i) instanceof LayerStep a) {
                        LayerStep b = (LayerStep) offTraining.get(i);
                        float[] x = TensorCodec.decodeFloats(a.getHebbian());
                        float[] y = TensorCodec.decodeFloats(b.getHebbian());
                        for (int j = 0; j < x.length; j++) {
                            assertThat(y[j]).isCloseTo(x[j], org.assertj.core.api.Assertions.within(1e-6f * (1 + Math.abs(x[j]))));
                        }
                        b.setHebbian(a.getHebbian());
                        assertThat(b).as("everything but H is the same").isEqualTo(a);
                        steps++;
                    } else if (onTraining.get(i) instanceof LayerStats a) {
                        LayerStats b = (LayerStats) offTraining.get(i);
                        double[] x = TensorCodec.decodeDoubles(a.getSums());
                        double[] y = TensorCodec.decodeDoubles(b.getSums());
                        for (int j = 0; j < x.length; j++) {
                            assertThat(y[j]).isCloseTo(x[j], org.assertj.core.api.Assertions.within(1e-5 * (1 + Math.abs(x[j]))));
                        }
                    } else {
                        assertThat(offTraining.get(i)).isEqualTo(onTraining.get(i));
                    }
                }
                assertThat(steps).isPositive();
            }
        }
    }

    @Test
    void statisticsEveryStepAndTensorsEveryThirdStepChainSeparately() {
        PublishPolicy policy = new PublishPolicy(3, 3, DType.FLOAT32, 512 * 1024, 1);
        List<SpecificRecord> records = encodeRun(small().build(), policy); // 4 steps
        Map<String, List<long[]>> statsChain = new HashMap<>();
        Map<String, List<long[]>> stepChain = new HashMap<>();
        for (SpecificRecord r : records) {
            if (r instanceof LayerStats s) {
                statsChain.computeIfAbsent(s.getLayer(), k -> new ArrayList<>()).add(new long[] {s.getStep(), s.getPreviousStep()});
                assertThat(s.getWithTensors()).isEqualTo(s.getStep() % 3 == 0);
            } else if (r instanceof LayerStep s) {
                stepChain.computeIfAbsent(s.getLayer(), k -> new ArrayList<>()).add(new long[] {s.getStep(), s.getPreviousStep()});
                assertThat(s.getWithStats()).isTrue();
            }
        }
        assertThat(statsChain).hasSize(3);
        for (List<long[]> chain : statsChain.values()) {
            assertThat(chain).extracting(a -> a[0]).containsExactly(0L, 1L, 2L, 3L);
            assertThat(chain).extracting(a -> a[1]).containsExactly(-1L, 0L, 1L, 2L);
        }
        for (List<long[]> chain : stepChain.values()) {
            assertThat(chain).extracting(a -> a[0]).containsExactly(0L, 3L);
            assertThat(chain).extracting(a -> a[1]).containsExactly(-1L, 0L);
        }
    }

    @Test
    void statisticsOnlyPublishesNoTensorsAndRunStartedSaysSo() {
        PublishPolicy policy = new PublishPolicy(0, 1000, DType.FLOAT32, 512 * 1024, 2);
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        try (EventPublisher publisher = new EventPublisher(producer, TOPICS, policy, 2)) {
            new Trainer(small().build()).run(publisher);
            assertThat(publisher.layerStepsSent()).isZero();
            assertThat(publisher.layerStatsSent()).isEqualTo(2 * 3); // steps 0 and 2, three layers, one block each
        }
        List<ProducerRecord<String, byte[]>> sent = producer.history();
        RunStarted started = (RunStarted) CODEC.decodeAny(sent.get(0).value());
        assertThat(started.getStatsEvery()).isEqualTo(2);
        assertThat(started.getPublishEvery()).isZero();
        // the blocking the analyzer checks statistics blocks against: 512 KiB of 64-byte rows
        assertThat(started.getStatsRowsPerBlock()).isEqualTo(8192).isEqualTo(policy.statsBlockRows());
        assertThat(sent).extracting(ProducerRecord::topic).doesNotContain(TOPICS.layerSteps().name())
            .contains(TOPICS.layerStats().name());
        assertThat(sent.stream().filter(r -> r.topic().equals(TOPICS.layerStats().name())).map(ProducerRecord::key))
            .containsExactlyInAnyOrder("stats/layer0/0", "stats/layer1/0", "stats/layer2/0",
                "stats/layer0/0", "stats/layer1/0", "stats/layer2/0");
    }

    @Test
    void thePolicyKeepsTensorStepsASubsetOfStatisticsSteps() {
        assertThat(new PublishPolicy(50, 1000, DType.FLOAT32, 512 * 1024, 1).publishes(100)).isTrue();
        assertThatThrownBy(() -> new PublishPolicy(3, 3, DType.FLOAT32, 1024, 2))
            .hasMessageContaining("multiple of stats every");
        assertThatThrownBy(() -> new PublishPolicy(0, 1000, DType.FLOAT32, 1024, 0)).hasMessageContaining("needs statistics");
        assertThatThrownBy(() -> new PublishPolicy(1, 1000, DType.FLOAT32, 1024, -1)).hasMessageContaining(">= 0");
        PublishPolicy statsOnly = new PublishPolicy(0, 1000, DType.FLOAT32, 512 * 1024, 1);
        assertThat(statsOnly.publishes(0)).isFalse();
        assertThat(statsOnly.snapshots(0)).isFalse();
        assertThat(statsOnly.analyzes(7)).isTrue();
        assertThat(statsOnly.statsRowsPerBlock(100_000)).isEqualTo(8192);
        assertThat(statsOnly.statsRowsPerBlock(300)).isEqualTo(300);
        assertThat(PublishPolicy.DEFAULT.publishesStats(0)).isFalse();
    }
}
