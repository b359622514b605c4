package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.alignment.RowSums;
import io.hebbscope.analyzer.detect.UpdateSketch;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.AvroSerde;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.BlockSource;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TwinStep;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Between the repartition and the step assembler, per (run, layer): a step that both the trainer's statistics
 * (LayerStats) and its tensors (LayerStep) carry is analyzed once, from the statistics, whichever copy arrives first,
 * so a live analysis and a replay see the same numbers; the tensors of such a step are kept aside and, once both
 * copies are complete, checked against the statistics. A difference beyond what rounding explains (see
 * {@link #compare}) makes each offending tensor block a dead letter with reason {@value #MISMATCH}, counted by
 * hebbscope_dead_letters_total. Steps with one copy pass straight through.
 *
 * <p>Twin steps waiting for their other copy are bounded per layer by {@link AnalyzerSettings#maxWaitingSteps()}:
 * beyond it the oldest is dropped unchecked (its other copy was lost to the dead letters).
 */
final class TwinCheck implements Processor<String, BlockAlignment, String, Routed> {
    static final String STEPS_STORE = "twin-steps";
    static final String BLOCKS_STORE = "twin-blocks";
    static final String MISMATCH = "stats_mismatch";
    /** Both copies carry the trainer's weight norm, the same float64 number. */
    private static final double WEIGHT_NORM_TOLERANCE = 1e-9;

    private final AnalyzerSettings settings;
    private final AnalyzerMetrics metrics;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, TwinStep> steps;
    private KeyValueStore<String, BlockAlignment> blocks;

    TwinCheck(AnalyzerSettings settings, AnalyzerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    /** The two stores the check keeps its waiting twin steps in. */
    static void addStores(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STEPS_STORE), Serdes.String(),
            AvroSerde.of(TwinStep.class)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BLOCKS_STORE), Serdes.String(),
            AvroSerde.of(BlockAlignment.class)).withCachingEnabled());
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

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.steps = context.getStateStore(STEPS_STORE);
        this.blocks = context.getStateStore(BLOCKS_STORE);
    }

    @Override
    public void process(Record<String, BlockAlignment> record) {
        BlockAlignment block = record.value();
        boolean stats = block.getSource() == BlockSource.STATS;
        if (stats || !block.getTwin()) {
            context.forward(record.withValue(new Routed.Good(record.key(), block)));
        }
        if (block.getTwin()) {
            keep(record, block, stats);
        }
    }

    private void keep(Record<String, BlockAlignment> record, BlockAlignment block, boolean stats) {
        String stepKey = StepAssembler.stepKey(record.key(), block.getStep());
        TwinStep twin = steps.get(stepKey);
        if (twin == null) {
            evictBeyondLimit(record.key());
            twin = new TwinStep(block.getStep(), 0, new ArrayList<>(), 0, new ArrayList<>());
        }
        int count = stats ? twin.getStatsBlocks() : twin.getTensorBlocks();
        List<Integer> received = new ArrayList<>(stats ? twin.getStatsReceived() : twin.getTensorReceived());
        if (received.contains(block.getBlockIndex())) {
            if (!stats) { // a repeated statistics block is counted by the assembler it went on to
                metrics.duplicateBlocks.labelValues(block.getRunId(), block.getLayer()).inc();
            }
            return;
        }
        if (count != 0 && count != block.getBlockCount()) {
            if (!stats) { // inconsistent statistics blocks are the assembler's to reject
                reject(record, block, "inconsistent", "tensor block " + block.getBlockIndex() + " of step "
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
            compare(record, stepKey);
            delete(stepKey);
        } else {
            steps.put(stepKey, twin);
        }
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
            delete(waiting.get(i));
        }
    }

    private void delete(String stepKey) {
        List<String> keys = new ArrayList<>();
        try (var it = blocks.range(stepKey + "/S/", stepKey + "/T/~")) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(blocks::delete);
        steps.delete(stepKey);
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
    private void compare(Record<String, BlockAlignment> record, String stepKey) {
        BlockAlignment any = record.value();
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
        reasons.forEach((blockIndex, why) -> {
            BlockAlignment offending = tensors.blocks.get(blockIndex);
            reject(record, offending, MISMATCH, why);
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

    private void reject(Record<String, BlockAlignment> record, BlockAlignment block, String category, String reason) {
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<>(record.key(), DeadLetters.of(context, metrics, key, EventCodec.get().encode(block),
            new InvalidRecordException(category, reason)), record.timestamp()));
    }
}
