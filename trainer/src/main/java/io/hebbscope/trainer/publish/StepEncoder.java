package io.hebbscope.trainer.publish;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.UpdateSketch;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.NeuronStatistics;
import io.hebbscope.trainer.probe.Probe;
import java.io.ByteArrayOutputStream;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns copied steps into records: a StepMetrics, then per layer its LayerStats blocks (when the step has
 * statistics) and its LayerStep blocks (when it has tensors), each of whole neuron rows and chained by
 * {@code previousStep} within its topic. The statistics of a LayerStats block are computed here, on the publisher
 * thread, on the terms' backend from the arrays the training thread copied there (H too, from h and a, when the step
 * did not compute it), and the update sketch from the update read in place (the histogram form of
 * {@link UpdateSketch}): the training thread pays for copies only. Encoding reuses one array per tensor field and one output stream, so a record costs one
 * fresh array, the value handed to Kafka. Used by one thread.
 */
final class StepEncoder {
    /** Receives each record in order. */
    interface Sink {
        void send(String topic, String key, byte[] value);
    }

    private static final int GRADIENT = 0;
    private static final int SIGNAL = 1;
    private static final int HEBBIAN = 2;
    private static final int UPDATE = 3;
    private static final int WEIGHTS = 4;
    private static final int OUTPUT_SQUARE_MEAN = 5;

    private final String runId;
    private final String metricsTopic;
    private final String layerStepsTopic;
    private final String layerStatsTopic;
    private final PublishPolicy policy;
    private final EventCodec codec = EventCodec.get();
    private final Map<String, Long> previousStep = new HashMap<>();
    private final Map<String, Long> previousStats = new HashMap<>();
    /** The previous step of a layer's first LayerStep / LayerStats: -1, or the last one before a resumed run's first. */
    private long firstPrevious = -1;
    private long firstPreviousStats = -1;
    private final double[] sketchBins = new double[UpdateSketch.BINS];
    private final LayerStats statsEvent = new LayerStats();
    /** Per layer, H computed here (outside any workspace, reused) for steps that did not compute it. */
    private final Map<String, INDArray> hebbianScratch = new HashMap<>();
    /** The step each layer's scratch holds H of. */
    private final Map<String, Long> scratchStep = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    private final byte[][] tensorBytes = new byte[6][0];
    private final Tensor[] tensors = new Tensor[6];
    private final LayerStep event = new LayerStep();

    StepEncoder(String runId, Topics topics, PublishPolicy policy) {
        this.runId = runId;
        this.metricsTopic = topics.trainMetrics().name();
        this.layerStepsTopic = topics.layerSteps().name();
        this.layerStatsTopic = topics.layerStats().name();
        this.policy = policy;
        for (int i = 0; i < tensors.length; i++) {
            tensors[i] = new Tensor();
        }
    }

    /**
     * A resumed run: its first records chain to the last steps the crashed process published at or before
     * {@code checkpointStep} under the same policy, as an uninterrupted run's records would.
     */
    void resumeAfter(long checkpointStep) {
        firstPrevious = policy.lastPublishedAtOrBefore(checkpointStep);
        firstPreviousStats = policy.lastStatsAtOrBefore(checkpointStep);
    }

    void encode(StepCopy step, Sink sink) {
        List<Double> norms = new ArrayList<>();
        if (step.weightNorms != null) {
            for (double n : step.weightNorms) {
                norms.add(n);
            }
        }
        StepMetrics metrics = StepMetrics.newBuilder().setRunId(runId).setStep(step.step).setEpoch(step.epoch)
            .setTrainLoss(step.trainLoss).setValidationLoss(step.validationLoss).setLearningRate(step.learningRate)
            .setValidationAccuracy(step.validationAccuracy).setTimestampMs(step.timestampMs).setWeightNorms(norms).build();
        sink.send(metricsTopic, runId, bytes(metrics));
        for (int l = 0; l < step.layerCount; l++) {
            StepCopy.LayerCopy c = step.layer(l);
            if (step.tensors && c.hebbianDeferred) {
                c.hebbian = StepCopy.copy(hebbianFromBatch(c), c.hebbian);
            }
            if (step.stats) {
                encodeStats(step, c, sink);
            }
            if (step.tensors) {
                encodeLayer(step, c, sink);
            }
        }
    }

    /**
     * The layer's per-neuron statistics, rows x 7 neuron-major (like the wire), computed here on the terms' backend
     * (H first, from h and a, when the step did not compute it); returns the unit roundoff of their arithmetic.
     */
    @SuppressWarnings("try") // the scope only redirects allocations
    private double statistics(StepCopy.LayerCopy c, double[] into) {
        INDArray hebbian = c.statsHasHebbian ? c.statsHebbian : hebbianFromBatch(c);
        INDArray columns = NeuronStatistics.sums(new LayerTerms(c.layer, null, c.statsGradient,
            c.hasSignal ? c.statsSignal : null, hebbian, c.statsUpdate, null));
        int rows = Math.toIntExact(columns.size(1));
        INDArray doubles = columns.dataType() == DataType.DOUBLE ? columns : columns.castTo(DataType.DOUBLE);
        Nd4j.getAffinityManager().ensureLocation(doubles, AffinityManager.Location.HOST);
        double[] byColumn = new double[rows * NeuronStatistics.WIDTH];
        doubles.data().asNioDouble().get(byColumn, 0, byColumn.length);
        Reference.reachabilityFence(doubles); // the buffer does not keep a cast alive
        for (int k = 0; k < NeuronStatistics.WIDTH; k++) {
            for (int i = 0; i < rows; i++) {
                into[i * NeuronStatistics.WIDTH + k] = byColumn[k * rows + i];
            }
        }
        return NeuronStatistics.roundoff(columns.dataType());
    }

    /**
     * H = (1/N) h^T a of the layer from the batch's h and a the training thread copied, on their backend, into this
     * layer's scratch (outside any workspace, reused); computed once per step (the statistics reuse the tensors' H).
     */
    @SuppressWarnings("try") // the scope only redirects allocations
    private INDArray hebbianFromBatch(StepCopy.LayerCopy c) {
        INDArray scratch = hebbianScratch.get(c.layer.name());
        if (scratch != null && scratchStep.getOrDefault(c.layer.name(), -1L) == c.copiedStep) {
            return scratch;
        }
        long[] shape = {c.statsPreActivation.size(1), c.statsInput.size(1)};
        if (scratch == null || scratch.dataType() != c.statsPreActivation.dataType() || !Arrays.equals(scratch.shape(), shape)) {
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                scratch = Nd4j.createUninitialized(c.statsPreActivation.dataType(), shape, 'c');
            }
            hebbianScratch.put(c.layer.name(), scratch);
        }
        scratchStep.put(c.layer.name(), c.copiedStep);
        return Probe.hebbian(c.statsPreActivation, c.statsInput, scratch);
    }

    /**
     * The update as float32 on the host (itself, or a cast), to be read in place through {@code data().asNioFloat()}.
     * That buffer does not keep the array alive: the caller holds the array until its last read (a cast freed by a
     * collection mid-loop was read after free: a SIGSEGV in UpdateSketch.accumulate for a float64 model).
     */
    private static INDArray hostFloats(INDArray update) {
        INDArray u = update.dataType() == DataType.FLOAT ? update : update.castTo(DataType.FLOAT);
        Nd4j.getAffinityManager().ensureLocation(u, AffinityManager.Location.HOST);
        return u;
    }

    private void encodeStats(StepCopy step, StepCopy.LayerCopy c, Sink sink) {
        LayerInfo layer = c.layer;
        int rows = layer.rows();
        int cols = layer.cols();
        int per = policy.statsRowsPerBlock(rows);
        int blocks = (rows + per - 1) / per;
        long previous = previousStats.getOrDefault(layer.name(), firstPreviousStats);
        double[] all = new double[rows * NeuronStatistics.WIDTH];
        double roundoff = statistics(c, all);
        INDArray hostUpdate = hostFloats(c.statsUpdate);
        FloatBuffer update = hostUpdate.data().asNioFloat();
        for (int b = 0; b < blocks; b++) {
            int from = b * per;
            int n = Math.min(rows, from + per) - from;
            double[] sums = new double[n * 7];
            System.arraycopy(all, from * 7, sums, 0, sums.length);
            java.util.Arrays.fill(sketchBins, 0.0);
            UpdateSketch.accumulate(update, from * cols, n * cols, (long) from * cols, sketchBins);
            statsEvent.setRunId(runId);
            statsEvent.setLayer(layer.name());
            statsEvent.setLayerIndex(layer.index());
            statsEvent.setStep(step.step);
            statsEvent.setPreviousStep(previous);
            statsEvent.setEpoch(step.epoch);
            statsEvent.setBlockIndex(b);
            statsEvent.setBlockCount(blocks);
            statsEvent.setRowOffset(from);
            statsEvent.setLayerRows(rows);
            statsEvent.setLayerCols(cols);
            statsEvent.setSums(TensorCodec.encodeDoubles(sums, n, 7));
            statsEvent.setUpdateSketch(TensorCodec.encodeDoubles(UpdateSketch.fold(sketchBins), 1, UpdateSketch.SIZE));
            statsEvent.setOutputSquareMean(c.hasOutputSquareMean ? squareMeans(c.outputSquareMean, from, n) : null);
            statsEvent.setWeightNorm(weightNorm(step, layer));
            statsEvent.setTimestampMs(step.timestampMs);
            statsEvent.setWithTensors(step.tensors);
            statsEvent.setRoundoff(roundoff);
            sink.send(layerStatsTopic, Keys.layerBlock(runId, layer.name(), b), bytes(statsEvent));
        }
        Reference.reachabilityFence(hostUpdate);
        previousStats.put(layer.name(), step.step);
    }

    private static Tensor squareMeans(float[] values, int from, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = values[from + i];
        }
        return TensorCodec.encodeDoubles(out, n, 1);
    }

    private static double weightNorm(StepCopy step, LayerInfo layer) {
        double[] norms = step.weightNorms;
        return norms != null && layer.index() < norms.length ? norms[layer.index()] : -1.0;
    }

    private void encodeLayer(StepCopy step, StepCopy.LayerCopy c, Sink sink) {
        LayerInfo layer = c.layer;
        int rows = layer.rows();
        int cols = layer.cols();
        int per = policy.rowsPerBlock(rows, cols);
        int blocks = (rows + per - 1) / per;
        long previous = previousStep.getOrDefault(layer.name(), firstPrevious);
        double weightNorm = weightNorm(step, layer);
        for (int b = 0; b < blocks; b++) {
            int from = b * per;
            int n = Math.min(rows, from + per) - from;
            event.setRunId(runId);
            event.setLayer(layer.name());
            event.setLayerIndex(layer.index());
            event.setStep(step.step);
            event.setPreviousStep(previous);
            event.setEpoch(step.epoch);
            event.setBlockIndex(b);
            event.setBlockCount(blocks);
            event.setRowOffset(from);
            event.setLayerRows(rows);
            event.setLayerCols(cols);
            event.setGradient(block(GRADIENT, c.gradient, from, n, cols));
            event.setSignal(c.hasSignal ? block(SIGNAL, c.signal, from, n, cols) : null);
            event.setHebbian(block(HEBBIAN, c.hebbian, from, n, cols));
            event.setUpdate(block(UPDATE, c.update, from, n, cols));
            event.setWeights(c.hasWeights ? block(WEIGHTS, c.weights, from, n, cols) : null);
            event.setOutputSquareMean(c.hasOutputSquareMean ? block(OUTPUT_SQUARE_MEAN, c.outputSquareMean, from, n, 1) : null);
            event.setTimestampMs(step.timestampMs);
            event.setWeightNorm(weightNorm);
            event.setWithStats(step.stats);
            sink.send(layerStepsTopic, Keys.layerBlock(runId, layer.name(), b), bytes(event));
        }
        previousStep.put(layer.name(), step.step);
    }

    /** Rows [fromRow, fromRow + rows) of a row-major rows x cols matrix, in the field's reused tensor. */
    private Tensor block(int field, float[] values, int fromRow, int rows, int cols) {
        DType dtype = policy.dtype();
        int n = rows * cols;
        int length = n * TensorCodec.bytesPerValue(dtype);
        if (tensorBytes[field].length < length) {
            tensorBytes[field] = new byte[length];
        }
        TensorCodec.writeLittleEndian(values, fromRow * cols, n, dtype, tensorBytes[field]);
        Tensor t = tensors[field];
        t.setDtype(dtype);
        t.setRows(rows);
        t.setCols(cols);
        t.setBytes(ByteBuffer.wrap(tensorBytes[field], 0, length));
        return t;
    }

    private byte[] bytes(org.apache.avro.specific.SpecificRecord record) {
        out.reset();
        codec.encodeTo(record, out);
        return out.toByteArray();
    }
}
