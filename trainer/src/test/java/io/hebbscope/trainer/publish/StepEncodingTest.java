package io.hebbscope.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.probe.LayerTerms;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The pooled copies and the reusing encoder put exactly the bytes on the wire that the publisher sent before them
 * (kept below as {@link PublisherBefore}): the analyzer and old logs depend on them.
 */
class StepEncodingTest {
    private static final Topics TOPICS = new Topics("golden");

    private static TrainerConfig.Builder small() {
        return TrainerConfig.builder().runId("golden").trainSize(256).validationSize(64).batchSize(64).epochs(1)
            .learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-3).seed(9).widths(16, 40, 24, 8);
    }

    record Sent(String topic, String key, byte[] value) {
        @Override
        public String toString() {
            return topic + " " + key + " (" + value.length + " bytes)";
        }
    }

    /** Encodes every step of a real run both ways, on the step's own workspace arrays, and compares the records. */
    private static void assertSameBytes(TrainerConfig config, PublishPolicy policy) {
        List<List<Sent>> before = new ArrayList<>();
        List<List<Sent>> now = new ArrayList<>();
        PublisherBefore old = new PublisherBefore(config.runId(), policy);
        StepEncoder encoder = new StepEncoder(config.runId(), TOPICS, policy);
        StepCopy copy = new StepCopy(); // reused across steps, as the pool does
        RunSummary summary = new Trainer(config).run(new TrainingListener() {
            @Override
            public boolean wantsTerms(long step) {
                return true;
            }

            @Override
            public void onStep(StepRecord step) {
                long timestamp = 1_700_000_000_000L + step.step();
                List<Sent> a = new ArrayList<>();
                old.onStep(step, timestamp, (t, k, v) -> a.add(new Sent(t, k, v)));
                before.add(a);
                List<Sent> b = new ArrayList<>();
                copy.fill(step, timestamp, true, policy.snapshots(step.step()));
                encoder.encode(copy, (t, k, v) -> b.add(new Sent(t, k, v)));
                now.add(b);
            }
        });
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(now).hasSameSizeAs(before).isNotEmpty();
        for (int s = 0; s < before.size(); s++) {
            List<Sent> a = before.get(s);
            List<Sent> b = now.get(s);
            assertThat(b).as("step %d records", s).hasSameSizeAs(a);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).topic()).isEqualTo(a.get(i).topic());
                assertThat(b.get(i).key()).isEqualTo(a.get(i).key());
                assertThat(b.get(i).value()).as("step %d record %s", s, a.get(i)).isEqualTo(a.get(i).value());
            }
        }
    }

    @Test
    void sgdRunWithSnapshotsAndSeveralBlocksPerLayerEncodesAsBefore() {
        // 1 KiB blocks: the 40 x 16 layer travels in 4 blocks; snapshots on steps 0 and 2.
        assertSameBytes(small().build(), new PublishPolicy(1, 2, DType.FLOAT32, 1024));
    }

    @Test
    void ruleWithItsOwnSignalEncodesAsBefore() {
        assertSameBytes(small().rule("adam").build(), PublishPolicy.DEFAULT);
    }

    @Test
    void bfloat16EncodesAsBefore() {
        assertSameBytes(small().rule("hebb").build(), new PublishPolicy(1, 3, DType.BFLOAT16, 1024));
    }

    @Test
    void doublePrecisionTrainingEncodesAsBefore() {
        assertSameBytes(small().dtype(DataType.DOUBLE).build(), new PublishPolicy(1, 1, DType.FLOAT32, 2048));
    }

    @Test
    void transformerMapsEncodeAsBefore() {
        assertSameBytes(small().model("transformer").sequenceLength(8).embedDim(16).heads(4).feedForward(16)
            .encoderLayers(1).vocabSize(16).widths(16, 32, 8).build(), new PublishPolicy(1, 2, DType.FLOAT32, 1024));
    }

    @Test
    void copiesViewsOrdersAndTypesRowMajor() {
        INDArray m = Nd4j.linspace(1, 42, 42, DataType.FLOAT).reshape('c', 6, 7);
        List<INDArray> cases = List.of(m, m.dup('f'), m.getRow(2), m.getColumn(3),
            m.get(NDArrayIndex.interval(1, 4), NDArrayIndex.interval(2, 6)), m.transpose(), m.castTo(DataType.DOUBLE),
            Nd4j.linspace(1, 5, 5, DataType.FLOAT));
        for (INDArray a : cases) {
            float[] into = new float[(int) a.length() + 3];
            StepCopy.copyRowMajor(a, into);
            assertThat(Arrays.copyOf(into, (int) a.length())).as(a.shapeInfoToString()).containsExactly(oldFlat(a));
        }
    }

    @Test
    @SuppressWarnings("try")
    void copiesArraysLivingInAWorkspace() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace("copy-test")) {
            Nd4j.rand(DataType.FLOAT, 3, 3); // something before, so the arrays below do not start the workspace
            INDArray a = Nd4j.rand(DataType.FLOAT, 5, 9);
            INDArray b = a.mul(2).get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
            for (INDArray x : List.of(a, b)) {
                float[] into = new float[(int) x.length()];
                StepCopy.copyRowMajor(x, into);
                assertThat(into).containsExactly(oldFlat(x));
            }
        } finally {
            Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("copy-test"));
        }
    }

    static float[] oldFlat(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return Nd4j.toFlattened('c', f).toFloatVector();
    }

    /** The publisher's encoding as it was, everything on the training thread: the reference for the bytes. */
    static final class PublisherBefore {
        private final String runId;
        private final PublishPolicy policy;
        private final EventCodec codec = EventCodec.get();
        private final Map<String, Long> previousStep = new HashMap<>();

        PublisherBefore(String runId, PublishPolicy policy) {
            this.runId = runId;
            this.policy = policy;
        }

        void onStep(StepRecord step, long now, StepEncoder.Sink sink) {
            StepMetrics metrics = StepMetrics.newBuilder().setRunId(runId).setStep(step.step()).setEpoch(step.epoch())
                .setTrainLoss(step.trainLoss()).setValidationLoss(step.validationLoss()).setLearningRate(step.learningRate())
                .setValidationAccuracy(step.validationAccuracy())
                .setTimestampMs(now).setWeightNorms(Arrays.stream(step.weightNorms()).boxed().toList()).build();
            sink.send(TOPICS.trainMetrics().name(), runId, codec.encode(metrics));
            for (LayerTerms terms : step.layers()) {
                publishLayer(step, terms, now, sink);
            }
        }

        private void publishLayer(StepRecord step, LayerTerms terms, long now, StepEncoder.Sink sink) {
            LayerInfo layer = terms.layer();
            int rows = layer.rows();
            int cols = layer.cols();
            float[] gradient = oldFlat(terms.gradient());
            float[] signal = terms.signal() == null ? null : oldFlat(terms.signal());
            float[] hebbian = oldFlat(terms.hebbian());
            float[] update = oldFlat(terms.update());
            float[] weights = policy.snapshots(step.step()) ? oldFlat(terms.weights()) : null;
            float[] squareMean = terms.outputSquareMean() == null ? null : oldFlat(terms.outputSquareMean());
            int per = policy.rowsPerBlock(rows, cols);
            int blocks = (rows + per - 1) / per;
            long previous = previousStep.getOrDefault(layer.name(), -1L);
            double[] norms = step.weightNorms();
            double weightNorm = norms != null && layer.index() < norms.length ? norms[layer.index()] : -1.0;
            for (int b = 0; b < blocks; b++) {
                int from = b * per;
                int n = Math.min(rows, from + per) - from;
                LayerStep event = LayerStep.newBuilder()
                    .setRunId(runId).setLayer(layer.name()).setLayerIndex(layer.index()).setStep(step.step())
                    .setPreviousStep(previous).setEpoch(step.epoch()).setBlockIndex(b).setBlockCount(blocks)
                    .setRowOffset(from).setLayerRows(rows).setLayerCols(cols)
                    .setGradient(block(gradient, from, n, cols)).setSignal(signal == null ? null : block(signal, from, n, cols))
                    .setHebbian(block(hebbian, from, n, cols)).setUpdate(block(update, from, n, cols))
                    .setWeights(weights == null ? null : block(weights, from, n, cols))
                    .setOutputSquareMean(squareMean == null ? null : block(squareMean, from, n, 1))
                    .setTimestampMs(now).setWeightNorm(weightNorm).build();
                sink.send(TOPICS.layerSteps().name(), Keys.layerBlock(runId, layer.name(), b), codec.encode(event));
            }
            previousStep.put(layer.name(), step.step());
        }

        /** TensorCodec's float32 encoding as it was: one putFloat per value into a fresh little-endian buffer. */
        private Tensor block(float[] values, int fromRow, int rows, int cols) {
            if (policy.dtype() != DType.FLOAT32) {
                return TensorCodec.encode(values, fromRow * cols, rows, cols, policy.dtype());
            }
            ByteBuffer buf = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows * cols; i++) {
                buf.putFloat(values[fromRow * cols + i]);
            }
            buf.rewind();
            return new Tensor(DType.FLOAT32, rows, cols, buf);
        }
    }
}
