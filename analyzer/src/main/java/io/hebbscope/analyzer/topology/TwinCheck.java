package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.alignment.RowSums;
import io.hebbscope.analyzer.detect.UpdateSketch;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.AvroSerde;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.BlockSource;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TwinStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Part of the step assembler, per (run, layer), after a block was checked against its run's RunStarted: a step that both
 * the trainer's statistics (LayerStats) and its tensors (LayerStep) carry is analyzed once, from the statistics,
 * whichever copy arrives first, so a live analysis and a replay see the same numbers; the tensors of such a step are
 * kept aside and, once both copies are complete, checked against the statistics. A difference beyond what rounding
 * explains (see {@link #compare}) makes each offending tensor block a dead letter with reason {@value #MISMATCH},
 * counted by hebbscope_dead_letters_total. Steps with one copy are the assembler's alone.
 *
 * <p>Twin steps waiting for their other copy are bounded per layer by {@link AnalyzerSettings#maxWaitingSteps()}:
 * beyond it the oldest is dropped unchecked (its other copy was lost to the dead letters).
 */
final class TwinCheck {
    static final String STEPS_STORE = "twin-steps";
    static final String BLOCKS_STORE = "twin-blocks";
    static final String MISMATCH = "stats_mismatch";
    /** Both copies carry the trainer's weight norm, the same float64 number. */
    private static final double WEIGHT_NORM_TOLERANCE = 1e-9;

    /** Where the check's rejects go: the assembler's dead letters, with where the block was read. */
    interface Rejects {
        void reject(BlockAlignment block, String category, String reason);
    }

    private final AnalyzerSettings settings;
    private final AnalyzerMetrics metrics;
    private final KeyValueStore<String, TwinStep> steps;
    private final KeyValueStore<String, BlockAlignment> blocks;
    private final Rejects rejects;

    TwinCheck(AnalyzerSettings settings, AnalyzerMetrics metrics, KeyValueStore<String, TwinStep> steps,
              KeyValueStore<String, BlockAlignment> blocks, Rejects rejects) {
        this.settings = settings;
        this.metrics = metrics;
        this.steps = steps;
        this.blocks = blocks;
        this.rejects = rejects;
    }

    /** The two stores the check keeps its waiting twin steps in. */
    static void addStores(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STEPS_STORE), Serdes.String(),
            AvroSerde.of(TwinStep.class)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BLOCKS_STORE), Serdes.String(),
            AvroSerde.of(BlockAlignment.class)).withCachingEnabled());
    }

    /** Whether the assembler analyzes {@code block}: statistics always, tensors only of a step without statistics. */
    static boolean analyzed(BlockAlignment block) {
        return block.getSource() == BlockSource.STATS || !block.getTwin();
    }

    /**
     * Relative error of a LayerStep's tensor values against the trainer's arrays: float32 is exact for a float32
     * model and rounded by 2^-24 from a float64 one; bfloat16 keeps 8 significant bits (2^-8).
     */
    static double valueError(LayerStep s) {
        double e = valueError(s.getGradient());
        e = Math.max(e, valueError(s.getHebbian()));
        e = Math.max(e, valueError(s.getUpdate()));
        return s.getSignal() == null ? e : Math.max(e, valueError(s.getSignal()));
    }

    private static double valueError(Tensor t) {
        return t.getDtype() == DType.BFLOAT16 ? 0x1p-8 : t.getDtype() == DType.FLOAT32 ? 0x1p-24 : 0;
    }

    /** Keeps a block of a twin step (either copy) until both copies are complete, then compares them. */
    void keep(String layerKey, BlockAlignment block) {
        boolean stats = block.getSource() == BlockSource.STATS;
        String stepKey = StepAssembler.stepKey(layerKey, block.getStep());
        TwinStep twin = steps.get(stepKey);
        if (twin == null) {
            evictBeyondLimit(layerKey);
            twin = new TwinStep(block.getStep(), 0, new ArrayList<>(), 0, new ArrayList<>());
        }
        int count = stats ? twin.getStatsBlocks() : twin.getTensorBlocks();
        List<Integer> received = new ArrayList<>(stats ? twin.getStatsReceived() : twin.getTensorReceived());
        if (received.contains(block.getBlockIndex())) {
            if (!stats) { // a repeated statistics block is counted by the assembler it went to
                metrics.duplicateBlock(block.getRunId(), block.getLayer(), sourceTopic(block));
            }
            return;
        }
        if (count != 0 && count != block.getBlockCount()) {
            if (!stats) { // inconsistent statistics blocks are the assembler's to reject
                rejects.reject(block, "inconsistent", "tensor block " + block.getBlockIndex() + " of step "
                    + block.getStep() + " says " + block.getBlockCount() + " blocks; earlier blocks said " + count);
            }
            return;
        }
        received.add(block.getBlockIndex());
        if (stats) {
            twin.setStatsBlocks(block.getBlockCount());
            twin.setStatsReceived(received);
        } else {
            twin.setTensorBlocks(block.getBlockCount());
            twin.setTensorReceived(received);
        }
        blocks.put(blockKey(stepKey, stats, block.getBlockIndex()), block);
        if (twin.getStatsReceived().size() == twin.getStatsBlocks() && twin.getTensorReceived().size() == twin.getTensorBlocks()
            && twin.getStatsBlocks() > 0 && twin.getTensorBlocks() > 0) {
            compare(block, stepKey);
            delete(stepKey, false);
        } else {
            steps.put(stepKey, twin);
        }
    }

    /** Drops the twin steps of a layer whose run is no longer tracked, unchecked. */
    void forget(String layerKey) {
        List<String> waiting = new ArrayList<>();
        try (var it = steps.range(StepAssembler.stepKey(layerKey, 0), StepAssembler.stepKey(layerKey, Long.MAX_VALUE))) {
            it.forEachRemaining(kv -> waiting.add(kv.key));
        }
        waiting.forEach(k -> delete(k, true));
    }

    private static String blockKey(String stepKey, boolean stats, int blockIndex) {
        return stepKey + (stats ? "/S/" : "/T/") + String.format(Locale.ROOT, "%010d", blockIndex);
    }

    /** Drops the oldest waiting twin steps of a layer so that a new one keeps them within the limit. */
    private void evictBeyondLimit(String layerKey) {
        List<String> waiting = new ArrayList<>();
        try (var it = steps.range(StepAssembler.stepKey(layerKey, 0), StepAssembler.stepKey(layerKey, Long.MAX_VALUE))) {
            it.forEachRemaining(kv -> waiting.add(kv.key));
        }
        for (int i = 0; i <= waiting.size() - settings.maxWaitingSteps(); i++) {
            delete(waiting.get(i), true);
        }
    }

    /**
     * Deletes a twin step and its kept blocks. Tensor blocks that leave unchecked were valid and their run's all the
     * same: counted as accepted, as the compared ones that agreed are (hebbscope_records_accepted_total).
     */
    private void delete(String stepKey, boolean unchecked) {
        List<String> keys = new ArrayList<>();
        try (var it = blocks.range(stepKey + "/S/", stepKey + "/T/~")) {
            it.forEachRemaining(kv -> {
                keys.add(kv.key);
                if (unchecked && kv.value.getSource() == BlockSource.TENSORS) {
                    metrics.recordsAccepted.labelValues(sourceTopic(kv.value)).inc();
                }
            });
        }
        keys.forEach(blocks::delete);
        steps.delete(stepKey);
    }

    private static String sourceTopic(BlockAlignment block) {
        return block.getSourceTopic() == null ? "unknown" : block.getSourceTopic();
    }

    /** One copy of a step, assembled from its blocks. */
    private static final class Copy {
        final double[] sums;
        final double[] sketch = new double[UpdateSketch.SIZE];
        final int[] blockOfRow;
        final Map<Integer, BlockAlignment> blocks = new TreeMap<>();
        double weightNorm = -1;
        double valueError;
        double roundoff;
        int cols;

        Copy(int rows) {
            sums = new double[rows * RowSums.WIDTH];
            blockOfRow = new int[rows];
        }

        void add(BlockAlignment b) {
            blocks.put(b.getBlockIndex(), b);
            double[] s = TensorCodec.decodeDoubles(b.getSums());
            System.arraycopy(s, 0, sums, b.getRowOffset() * RowSums.WIDTH, s.length);
            java.util.Arrays.fill(blockOfRow, b.getRowOffset(), b.getRowOffset() + b.getSums().getRows(), b.getBlockIndex());
            if (b.getUpdateSketch() != null) {
                double[] k = TensorCodec.decodeDoubles(b.getUpdateSketch());
                for (int i = 0; i < k.length; i++) {
                    sketch[i] += k[i];
                }
            }
            weightNorm = b.getWeightNorm();
            valueError = Math.max(valueError, b.getValueError());
            roundoff = Math.max(roundoff, b.getRoundoff());
            cols = Math.max(cols, b.getLayerCols());
        }

        double updateSquares() {
            double s = 0;
            for (int i = RowSums.UPDATE + 1; i < sums.length; i += RowSums.WIDTH) {
                s += sums[i];
            }
            return s;
        }
    }

    /**
     * Compares the statistics of a complete twin step with its tensors. Row by row, each sum of n = layerCols
     * products may differ from the exact one by (n + 2) * roundoff * sum|x_j h_j| <= (n + 2) * roundoff * |X_i||H_i|
     * for the arithmetic of each copy, plus 2 * valueError for the rounding of each product's factors (bfloat16
     * tensors); dots are scaled by |X_i||H_i|, squared norms by themselves. The summed update sketch of N = rows x cols
     * elements differs by at most that of float64 sums of float32 values times sum|U| <= sqrt(N) |U|_F. The weight
     * norms are the same number.
     */
    private void compare(BlockAlignment any, String stepKey) {
        int rows = any.getLayerRows();
        Copy stats = new Copy(rows);
        Copy tensors = new Copy(rows);
        try (var it = blocks.range(stepKey + "/S/", stepKey + "/T/~")) {
            it.forEachRemaining(kv -> (kv.value.getSource() == BlockSource.STATS ? stats : tensors).add(kv.value));
        }
        int n = Math.max(stats.cols, tensors.cols);
        double eps = tolerance(stats, n) + tolerance(tensors, n);
        double abs = (n + 2) * 0x1p-126;
        Map<Integer, String> reasons = new TreeMap<>();
        String[] names = {"<-grad_i,H_i>", "|grad_i|^2", "<g_i,H_i>", "|g_i|^2", "<U_i,H_i>", "|U_i|^2", "|H_i|^2"};
        for (int i = 0; i < rows; i++) {
            int base = i * RowSums.WIDTH;
            double hh = Math.max(stats.sums[base + RowSums.HEBBIAN], tensors.sums[base + RowSums.HEBBIAN]);
            for (int c = 0; c < RowSums.WIDTH; c++) {
                double a = stats.sums[base + c];
                double b = tensors.sums[base + c];
                double scale = c % 2 == 0 && c < RowSums.HEBBIAN
                    ? Math.sqrt(Math.max(stats.sums[base + c + 1], tensors.sums[base + c + 1]) * hh)
                    : Math.max(Math.abs(a), Math.abs(b));
                double limit = eps * scale + abs;
                if (!(Math.abs(a - b) <= limit)) {
                    reasons.putIfAbsent(tensors.blockOfRow[i], String.format(Locale.ROOT,
                        "step %d, neuron %d: %s is %.9g from the statistics but %.9g from the tensors (tolerance %.3g)",
                        any.getStep(), i, names[c], a, b, limit));
                }
            }
        }
        if (reasons.isEmpty()) {
            compareWholeStep(any.getStep(), stats, tensors, rows, n, abs, reasons);
        }
        tensors.blocks.forEach((blockIndex, block) -> {
            String why = reasons.get(blockIndex);
            if (why == null) {
                metrics.recordsAccepted.labelValues(sourceTopic(block)).inc();
            } else {
                rejects.reject(block, MISMATCH, why);
            }
        });
    }

    /**
     * The sums over the whole step (update sketch, weight norm), checked when every neuron agreed; a difference there
     * is reported on the first tensor block (the two copies need not share block boundaries).
     */
    private static void compareWholeStep(long step, Copy stats, Copy tensors, int rows, int n, double abs,
                                         Map<Integer, String> reasons) {
        long elements = (long) rows * n;
        double sketchEps = stats.valueError + tensors.valueError + 0x1p-24 + 2 * (elements + 256) * 0x1p-53;
        double sketchLimit = sketchEps * Math.sqrt((double) elements)
            * Math.sqrt(Math.max(stats.updateSquares(), tensors.updateSquares())) + abs;
        for (int k = 0; k < UpdateSketch.SIZE; k++) {
            if (!(Math.abs(stats.sketch[k] - tensors.sketch[k]) <= sketchLimit)) {
                reasons.putIfAbsent(tensors.blocks.keySet().iterator().next(), String.format(Locale.ROOT,
                    "step %d: update sketch s_%d is %.9g from the statistics but %.9g from the tensors (tolerance %.3g)",
                    step, k, stats.sketch[k], tensors.sketch[k], sketchLimit));
                break;
            }
        }
        if (stats.weightNorm >= 0 && tensors.weightNorm >= 0 && !(Math.abs(stats.weightNorm - tensors.weightNorm)
            <= WEIGHT_NORM_TOLERANCE * Math.max(stats.weightNorm, tensors.weightNorm))) {
            reasons.putIfAbsent(tensors.blocks.keySet().iterator().next(), String.format(Locale.ROOT,
                "step %d: weight norm is %.17g from the statistics but %.17g from the tensors", step,
                stats.weightNorm, tensors.weightNorm));
        }
    }

    private static double tolerance(Copy copy, int n) {
        return 2 * copy.valueError + copy.valueError * copy.valueError + (n + 2) * copy.roundoff;
    }
}
