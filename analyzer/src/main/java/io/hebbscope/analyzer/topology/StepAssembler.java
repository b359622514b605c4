package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.alignment.Ewma;
import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.hebbscope.analyzer.alignment.Roles;
import io.hebbscope.analyzer.alignment.RowSums;
import io.hebbscope.analyzer.alignment.Spread;
import io.hebbscope.analyzer.detect.Detection;
import io.hebbscope.analyzer.detect.LayerDetectors;
import io.hebbscope.analyzer.detect.OscillationDetector;
import io.hebbscope.analyzer.detect.RoleTracker;
import io.hebbscope.analyzer.detect.StationarityDetector;
import io.hebbscope.analyzer.detect.UpdateSketch;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.BlockSource;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerAdmission;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerState;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PendingStep;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.WaitingRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Stage 3, per (run, layer): checks each block, reduced from a LayerStep's tensors or taken from the trainer's
 * LayerStats, against its run's RunStarted (blocks of runs not admitted yet wait), hands the blocks of steps published
 * both ways to the {@link TwinCheck}, assembles each step from its blocks, idempotently on (run, layer, step, block),
 * and emits steps strictly in the order the trainer published them (each block names its previous step),
 * so rolling statistics are the same however blocks were interleaved, live or in a replay.
 */
final class StepAssembler implements Processor<String, SpecificRecord, String, Routed> {
    static final String PENDING_STORE = "pending-steps";
    /** The admitted layers ({@link LayerAdmission}, key run/layer): what their blocks are checked against. */
    static final String ADMISSION_STORE = "layer-admissions";
    /** Blocks of layers not admitted (yet), waiting for the run's RunStarted. */
    static final String WAITING_STORE = "waiting-blocks";
    static final String LAYER_STORE = "layer-state";
    /** Serialized {@link LayerDetectors} per run/layer, written once per emitted step. */
    static final String DETECTOR_STORE = "detector-state";
    private static final int SIGNAL = 1;
    private static final int UPDATE = 2;

    private final AnalyzerSettings settings;
    private final AnalyzerMetrics metrics;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, PendingStep> pending;
    private KeyValueStore<String, LayerState> layers;
    private KeyValueStore<String, byte[]> detectors;
    private KeyValueStore<String, LayerAdmission> admissions;
    private WaitingRecords waiting;
    private TwinCheck twins;
    private String waitingLabel;
    /**
     * The detectors of each layer as live objects, so a step does not deserialize what the previous step just
     * serialized; trusted only while the store's layer state says exactly these steps were emitted (after a
     * crash or a task migration the stores are restored and the object is read again from the store).
     */
    private final Map<String, CachedDetectors> detectorCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedDetectors> eldest) {
            return size() > MAX_CACHED_LAYERS;
        }
    };
    private static final int MAX_CACHED_LAYERS = 512;

    private record CachedDetectors(long emittedSteps, long lastEmittedStep, LayerDetectors detectors) {}

    StepAssembler(AnalyzerSettings settings, AnalyzerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.pending = context.getStateStore(PENDING_STORE);
        this.layers = context.getStateStore(LAYER_STORE);
        this.detectors = context.getStateStore(DETECTOR_STORE);
        this.admissions = context.getStateStore(ADMISSION_STORE);
        KeyValueStore<String, WaitingRecord> store = context.getStateStore(WAITING_STORE);
        this.waiting = new WaitingRecords(store, settings.admission().maxWaitingRecords(), context.currentSystemTimeMs());
        this.waitingLabel = context.taskId().toString() + "/blocks";
        this.twins = new TwinCheck(settings, metrics, context.getStateStore(TwinCheck.STEPS_STORE),
            context.getStateStore(TwinCheck.BLOCKS_STORE), this::reject);
        // a task revived after a crash calls init again on the same processor: start from the stores
        detectorCache.clear();
        context.schedule(RunAdmissions.punctuationPeriod(settings.admission().unknownRunGrace()),
            PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    private void punctuate(long nowMs) {
        long grace = settings.admission().unknownRunGrace().toMillis();
        for (WaitingRecord r : waiting.expire(nowMs, grace)) {
            reject(r.getBlock(), "unknown_run", "no valid RunStarted admitted layer " + r.getKey() + " within the grace period of "
                + settings.admission().unknownRunGrace().toSeconds() + " s");
        }
        metrics.waitingRecords(waitingLabel, waiting.size());
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        if (record.value() instanceof LayerAdmission admission) {
            admit(record.key(), admission);
        } else {
            block(record.key(), (BlockAlignment) record.value());
        }
        metrics.waitingRecords(waitingLabel, waiting.size());
    }

    /** A layer of an admitted run: its blocks that waited for it are assembled now, in arrival order. */
    private void admit(String layerKey, LayerAdmission admission) {
        if (!admission.getAdmitted()) {
            admissions.delete(layerKey);
            twins.forget(layerKey);
            return;
        }
        admissions.put(layerKey, admission);
        for (WaitingRecord w : waiting.take(layerKey)) {
            block(layerKey, w.getBlock());
        }
    }

    private void block(String layerKey, BlockAlignment block) {
        LayerAdmission admission = admissions.get(layerKey);
        if (admission == null) {
            WaitingRecord w = new WaitingRecord(layerKey, context.currentSystemTimeMs(), block, null);
            for (WaitingRecord evicted : waiting.add(w,
                WaitingRecords.source(block.getSourceTopic(), block.getSourcePartition(), block.getSourceOffset()))) {
                reject(evicted.getBlock(), "unknown_run", "no valid RunStarted admitted layer " + evicted.getKey()
                    + "; more than " + settings.admission().maxWaitingRecords() + " blocks of unknown runs were waiting");
            }
            return;
        }
        String mismatch = mismatch(block, admission);
        if (mismatch != null) {
            reject(block, "run_mismatch", mismatch + " (" + admission + ")");
            return;
        }
        if (TwinCheck.analyzed(block)) {
            assemble(layerKey, block);
        }
        if (block.getTwin()) {
            twins.keep(layerKey, block);
        }
    }

    /**
     * How a block disagrees with its run's RunStarted, or null. Statistics blocks have their own blocking
     * (RunStarted.statsRowsPerBlock), and exist only in a run that says it publishes them (statsEvery).
     */
    private static String mismatch(BlockAlignment b, LayerAdmission a) {
        int blockRows = b.getSums().getRows();
        boolean stats = b.getSource() == BlockSource.STATS;
        if (b.getLayerRows() != a.getRows() || (b.getLayerCols() >= 0 && b.getLayerCols() != a.getCols())) {
            return "layer " + b.getLayerRows() + "x" + b.getLayerCols() + ", RunStarted says " + a.getRows() + "x" + a.getCols();
        }
        if (b.getLayerIndex() != a.getLayerIndex()) {
            return "layer index " + b.getLayerIndex() + ", RunStarted says " + a.getLayerIndex();
        }
        if ((stats || b.getTwin()) && a.getStatsBlocks() == 0) {
            return (stats ? "statistics" : "tensors published with statistics (withStats)")
                + ", RunStarted says the run publishes no statistics (statsEvery 0)";
        }
        int blocks = stats ? a.getStatsBlocks() : a.getBlocks();
        int perBlock = stats ? a.getStatsRowsPerBlock() : a.getRowsPerBlock();
        String kind = stats ? "statistics " : "";
        if (b.getBlockCount() != blocks) {
            return b.getBlockCount() + " " + kind + "blocks, RunStarted says " + blocks;
        }
        long from = (long) b.getBlockIndex() * perBlock;
        long rows = Math.min(perBlock, a.getRows() - from);
        if (b.getRowOffset() != from || blockRows != rows) {
            return kind + "block " + b.getBlockIndex() + " holds rows " + b.getRowOffset() + ".."
                + (b.getRowOffset() + blockRows) + ", RunStarted says " + from + ".." + (from + rows);
        }
        if (b.getStep() >= a.getTotalSteps()) {
            return "step " + b.getStep() + ", the run has " + a.getTotalSteps() + " steps";
        }
        return null;
    }

    private void assemble(String layerKey, BlockAlignment block) {
        LayerState state = layers.get(layerKey);
        if (state == null) {
            state = new LayerState(-1L, 0L, new ArrayList<>(), null, new ArrayList<>(Arrays.asList(null, null, null)));
        }
        if (state.getEmittedSteps() > 0 && block.getStep() <= state.getLastEmittedStep()) {
            duplicate(block);
            return;
        }
        String stepKey = stepKey(layerKey, block.getStep());
        PendingStep step = pending.get(stepKey);
        boolean stored = step != null;
        if (step == null) {
            step = new PendingStep(block.getStep(), block.getPreviousStep(), block.getEpoch(), block.getLayerIndex(),
                block.getBlockCount(), new ArrayList<>(),
                TensorCodec.encodeDoubles(new double[block.getLayerRows() * RowSums.WIDTH], block.getLayerRows(), RowSums.WIDTH),
                block.getTimestampMs(), block.getUpdateSketch() == null ? null
                    : TensorCodec.encodeDoubles(new double[block.getBlockCount() * UpdateSketch.SIZE], block.getBlockCount(),
                        UpdateSketch.SIZE), block.getWeightNorm());
        } else if (step.getBlockCount() != block.getBlockCount() || step.getPreviousStep() != block.getPreviousStep()
            || step.getSums().getRows() != block.getLayerRows()) {
            reject(block, "inconsistent", "block " + block.getBlockIndex() + " of step " + block.getStep() + " says " + block.getBlockCount()
                + " blocks, previous step " + block.getPreviousStep() + ", " + block.getLayerRows()
                + " rows; earlier blocks said " + step.getBlockCount() + ", " + step.getPreviousStep() + ", "
                + step.getSums().getRows());
            return;
        }
        if (step.getReceived().contains(block.getBlockIndex())) {
            duplicate(block);
            return;
        }
        metrics.recordsAccepted.labelValues(sourceTopic(block)).inc();
        double[] sums = TensorCodec.decodeDoubles(step.getSums());
        double[] blockSums = TensorCodec.decodeDoubles(block.getSums());
        System.arraycopy(blockSums, 0, sums, block.getRowOffset() * RowSums.WIDTH, blockSums.length);
        List<Integer> received = new ArrayList<>(step.getReceived());
        received.add(block.getBlockIndex());
        step.setReceived(received);
        step.setSums(TensorCodec.encodeDoubles(sums, step.getSums().getRows(), RowSums.WIDTH));
        if (step.getUpdateSketch() != null && block.getUpdateSketch() != null) {
            // One row per block, summed in block order at emit: the result does not depend on arrival order.
            double[] sketches = TensorCodec.decodeDoubles(step.getUpdateSketch());
            double[] blockSketch = TensorCodec.decodeDoubles(block.getUpdateSketch());
            System.arraycopy(blockSketch, 0, sketches, block.getBlockIndex() * UpdateSketch.SIZE, UpdateSketch.SIZE);
            step.setUpdateSketch(TensorCodec.encodeDoubles(sketches, step.getBlockCount(), UpdateSketch.SIZE));
        } else {
            step.setUpdateSketch(null);
        }
        step.setTimestampMs(Math.max(step.getTimestampMs(), block.getTimestampMs()));
        if (received.size() == step.getBlockCount()) {
            release(layerKey, block, step, stored, state);
        } else {
            pending.put(stepKey, step);
        }
        layers.put(layerKey, state);
    }

    /**
     * Emits every assembled step whose predecessor has been emitted, in publish order (see {@link StepChain}).
     * The step just completed enters the pending store only if it has to wait for its predecessor: the usual step,
     * released at once, was put into the store, read back and deleted again (a serialised copy of its row sums each
     * way and a tombstone in the store's changelog); the store ends with the same contents either way.
     *
     * @param stored whether earlier blocks of {@code completed} put it into the pending store
     */
    private void release(String layerKey, BlockAlignment block, PendingStep completed, boolean stored, LayerState state) {
        List<Long> previous = new ArrayList<>();
        for (long s : state.getCompletedSteps()) {
            previous.add(pending.get(stepKey(layerKey, s)).getPreviousStep());
        }
        StepChain chain = new StepChain(state.getLastEmittedStep(), state.getEmittedSteps(), state.getCompletedSteps(), previous);
        int[] skipped = {0};
        for (long s : chain.complete(completed.getStep(), completed.getPreviousStep(), settings.maxWaitingSteps(), skipped)) {
            long firstPending = state.getEmittedSteps() > 0 ? state.getLastEmittedStep() + 1 : 0;
            boolean isCompleted = s == completed.getStep();
            emit(block.getRunId(), block.getLayer(), isCompleted ? completed : pending.get(stepKey(layerKey, s)), state);
            deletePendingUpTo(layerKey, firstPending, s, isCompleted && !stored);
        }
        if (skipped[0] > 0) {
            metrics.skippedSteps(block.getRunId(), block.getLayer(), skipped[0]);
        }
        List<Long> waitingSteps = chain.waitingSteps();
        if (waitingSteps.contains(completed.getStep())) {
            pending.put(stepKey(layerKey, completed.getStep()), completed);
        }
        state.setCompletedSteps(waitingSteps);
    }

    /**
     * Steps at or before an emitted one can never be emitted: drop them, complete or not. Nothing at or before the
     * previously emitted step is pending (dropped then, and later blocks of such steps are refused as duplicates), so
     * the range starts after it: from step 0 the store's iterator walked over every deleted step of the run again.
     *
     * @param neverStored whether {@code step} itself never entered the store (nothing of it to delete)
     */
    private void deletePendingUpTo(String layerKey, long from, long step, boolean neverStored) {
        if (from == step) { // the usual case, the step after the last emitted one: no range to walk
            if (!neverStored) {
                pending.delete(stepKey(layerKey, step));
            }
            return;
        }
        List<String> stale = new ArrayList<>();
        try (var it = pending.range(stepKey(layerKey, from), stepKey(layerKey, step))) {
            it.forEachRemaining(kv -> stale.add(kv.key));
        }
        stale.forEach(pending::delete);
    }

    /**
     * Zero-padded so that a layer's pending steps form one ordered key range: {@code String.format("%019d")}'s
     * text, without its cost (a formatter per call, several per analyzed step: 4 % of the stream thread).
     */
    static String stepKey(String layerKey, long step) {
        if (step < 0) { // not a valid step (refused before), but its key stays what it was
            return layerKey + "/" + String.format("%019d", step);
        }
        String digits = Long.toString(step);
        StringBuilder key = new StringBuilder(layerKey.length() + 20).append(layerKey).append('/');
        for (int i = digits.length(); i < 19; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    /**
     * Analyses an assembled step: its alignments, rolling values and detectors, and the output records. Its parts are
     * methods of their own, compiled each on its own: as one method, C2 compiled it (93 KB of machine code) twice per
     * process, once for its per-neuron loops (on-stack replacement) and once whole: 1.4 s of the 6.5 s of C2
     * compilations in a 10-second replay (docs/performance.md).
     */
    private void emit(String runId, String layer, PendingStep step, LayerState state) {
        int rows = step.getSums().getRows();
        LayerStepAlignment a = new LayerStepAlignment(TensorCodec.decodeDoubles(step.getSums()), rows);

        double[] ewma = state.getNeuronEwma() == null ? nanArray(rows * 3) : TensorCodec.decodeDoubles(state.getNeuronEwma());
        double[][] perSignal = rollNeuronEwma(ewma, a, rows, settings.ewmaAlpha());
        state.setNeuronEwma(TensorCodec.encodeDoubles(ewma, rows, 3));
        List<Double> layerEwma = new ArrayList<>(state.getLayerEwma());
        for (int s = 0; s < 3; s++) {
            layerEwma.set(s, Ewma.update(layerEwma.get(s), a.layer[s], settings.ewmaAlpha()));
        }
        state.setLayerEwma(layerEwma);
        long emittedBefore = state.getEmittedSteps();
        long lastEmittedBefore = state.getLastEmittedStep();
        state.setLastEmittedStep(step.getStep());
        state.setEmittedSteps(state.getEmittedSteps() + 1);

        Spread spread = Spread.of(a.neuron[SIGNAL], a.defined[SIGNAL]);
        Roles roles = Roles.of(perSignal[SIGNAL], settings.roleThreshold());
        String key = io.hebbscope.schema.Keys.layer(runId, layer);
        LayerDetectors detector = detectors(key, emittedBefore, lastEmittedBefore, rows);
        LayerDetectors.Output found = detector.step(new LayerDetectors.Input(step.getStep(), a.layer[SIGNAL], a.neuron,
            a.defined, perSignal[UPDATE], settings.roleThreshold(), a.norms[UPDATE], sketch(step),
            step.getWeightNorm()));
        detectors.put(key, detector.toBytes());
        detectorCache.put(key, new CachedDetectors(state.getEmittedSteps(), state.getLastEmittedStep(), detector));
        NeuronAlignment neurons = neuronAlignment(runId, layer, step, a, perSignal);
        LayerAlignment layerAlignment = layerAlignment(runId, layer, step, a, layerEwma, spread, roles, found);
        long timestamp = context.currentSystemTimeMs();
        context.forward(new Record<>(key, new Routed.Good(key, neurons), timestamp));
        context.forward(new Record<>(key, new Routed.Good(key, layerAlignment), timestamp));
        metrics.layerStepAnalyzed(runId, layer, step.getStep(), step.getTimestampMs(), a, spread, layerEwma,
            perSignal[SIGNAL], roles);
        OscillationDetector.Stats osc = found.oscillation();
        if (osc != null) {
            metrics.oscillationShare(runId, layer, osc.share());
        }
        for (Detection d : found.detections()) {
            PhaseEvent event = d.toEvent(runId, layer);
            context.forward(new Record<>(key, new Routed.Good(key, event), timestamp));
            metrics.phaseDetected(event);
        }
    }

    /**
     * Rolls each neuron's EWMA of the three signals forward by this step ({@code ewma} interleaved per neuron, updated
     * in place); returns the rolled values per signal.
     */
    private static double[][] rollNeuronEwma(double[] ewma, LayerStepAlignment a, int rows, double alpha) {
        double[][] perSignal = new double[3][rows];
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < rows; i++) {
                perSignal[s][i] = ewma[i * 3 + s];
            }
            Ewma.update(perSignal[s], a.neuron[s], a.defined[s], alpha);
            for (int i = 0; i < rows; i++) {
                ewma[i * 3 + s] = perSignal[s][i];
            }
        }
        return perSignal;
    }

    private static NeuronAlignment neuronAlignment(String runId, String layer, PendingStep step, LayerStepAlignment a,
                                                   double[][] perSignal) {
        return NeuronAlignment.newBuilder()
            .setRunId(runId).setLayer(layer).setLayerIndex(step.getLayerIndex()).setStep(step.getStep())
            .setEpoch(step.getEpoch())
            .setGradient(column(a.neuron[0])).setSignal(column(a.neuron[1])).setUpdate(column(a.neuron[2]))
            .setGradientEwma(columnOrZero(perSignal[0])).setSignalEwma(columnOrZero(perSignal[1]))
            .setUpdateEwma(columnOrZero(perSignal[2])).setHebbianNorm(column(a.neuronHebbianNorm))
            .build();
    }

    private static LayerAlignment layerAlignment(String runId, String layer, PendingStep step, LayerStepAlignment a,
                                                 List<Double> layerEwma, Spread spread, Roles roles,
                                                 LayerDetectors.Output found) {
        RoleTracker.Stats updateRoles = found.roles();
        OscillationDetector.Stats osc = found.oscillation();
        StationarityDetector.Stats stat = found.stationarity();
        return LayerAlignment.newBuilder()
            .setRunId(runId).setLayer(layer).setLayerIndex(step.getLayerIndex()).setStep(step.getStep())
            .setEpoch(step.getEpoch())
            .setGradient(a.layer[0]).setSignal(a.layer[1]).setUpdate(a.layer[2])
            .setGradientEwma(layerEwma.get(0)).setSignalEwma(layerEwma.get(1)).setUpdateEwma(layerEwma.get(2))
            .setGradientNorm(a.norms[0]).setSignalNorm(a.norms[1]).setUpdateNorm(a.norms[2]).setHebbianNorm(a.hebbianNorm)
            .setNeuronMean(spread == null ? null : spread.mean()).setNeuronStd(spread == null ? null : spread.std())
            .setNeuronP10(spread == null ? null : spread.p10()).setNeuronP50(spread == null ? null : spread.p50())
            .setNeuronP90(spread == null ? null : spread.p90())
            .setHebbianNeurons(roles.hebbian()).setAntiHebbianNeurons(roles.antiHebbian())
            .setNeutralNeurons(roles.neutral()).setUndefinedNeurons(roles.undefined())
            .setUpdateHebbianNeurons(updateRoles.hebbian()).setUpdateAntiHebbianNeurons(updateRoles.antiHebbian())
            .setUpdateNeutralNeurons(updateRoles.neutral()).setAntiHebbianShare(updateRoles.antiHebbianShare())
            .setMeanRoleRunLength(updateRoles.meanRunLength()).setPersistentRoleNeurons(updateRoles.persistent())
            .setUpdateNeuronMean(found.updateNeuronMean())
            .setOscillatingShare(osc == null ? null : osc.share()).setFlipRate(osc == null ? null : osc.flipRate())
            .setOscillationPeriod(osc == null ? null : osc.period())
            .setOscillationAmplitude(osc == null ? null : osc.amplitude())
            .setMeanUpdateRatio(stat == null ? null : stat.meanUpdateRatio())
            .setWeightNorm(step.getWeightNorm() >= 0 ? step.getWeightNorm() : null)
            .setWeightNormChange(stat == null ? null : stat.weightNormChange())
            .build();
    }

    private LayerDetectors detectors(String key, long emittedSteps, long lastEmittedStep, int rows) {
        // taken out while it steps: an exception half-way must not leave a half-updated object trusted
        CachedDetectors cached = detectorCache.remove(key);
        if (cached != null && cached.emittedSteps() == emittedSteps && cached.lastEmittedStep() == lastEmittedStep) {
            return cached.detectors();
        }
        return LayerDetectors.fromBytes(detectors.get(key), settings.detectors(), rows);
    }

    /** The step's update sketch, its blocks' rows summed in block order; null when a block had none (an old log). */
    private static double[] sketch(PendingStep step) {
        if (step.getUpdateSketch() == null) {
            return null;
        }
        double[] rows = TensorCodec.decodeDoubles(step.getUpdateSketch());
        double[] sum = new double[UpdateSketch.SIZE];
        for (int b = 0; b < step.getBlockCount(); b++) {
            for (int k = 0; k < UpdateSketch.SIZE; k++) {
                sum[k] += rows[b * UpdateSketch.SIZE + k];
            }
        }
        return sum;
    }

    private void duplicate(BlockAlignment block) {
        metrics.duplicateBlock(block.getRunId(), block.getLayer(), sourceTopic(block));
    }

    private static String sourceTopic(BlockAlignment block) {
        return block.getSourceTopic() == null ? "unknown" : block.getSourceTopic();
    }

    /**
     * A dead letter for a block read earlier: where it was read comes with the block; its value is the block as the
     * analyzer reduced it (BlockAlignment, single-object encoded), the LayerStep itself is not kept.
     */
    private void reject(BlockAlignment block, String category, String reason) {
        byte[] key = block.getSourceKey() == null ? Keys.layer(block.getRunId(), block.getLayer())
            .getBytes(java.nio.charset.StandardCharsets.UTF_8) : RunAdmissions.bytes(block.getSourceKey());
        context.forward(new Record<>(Keys.layer(block.getRunId(), block.getLayer()), DeadLetters.of(context, metrics,
            sourceTopic(block), block.getSourcePartition(), block.getSourceOffset(), key, EventCodec.get().encode(block),
            new InvalidRecordException(category, reason)), context.currentSystemTimeMs()));
    }

    private static double[] nanArray(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    private static Tensor column(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return TensorCodec.encode(f, f.length, 1);
    }

    /** Never-defined neurons leave the analyzer as 0, not NaN. */
    private static Tensor columnOrZero(double[] values) {
        double[] v = values.clone();
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) {
                v[i] = 0;
            }
        }
        return column(v);
    }
}
