package io.hebbscope.analyzer.plugin;

import io.hebbscope.analyzer.topology.StepChain;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.PluginLayerState;
import io.hebbscope.schema.PluginResult;
import io.hebbscope.schema.TensorCodec;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles full layer steps from their blocks (keyed runId/layer), in publish order, keeps the running weights
 * when a plug-in needs them, and hands each step to every plug-in, isolating failures.
 */
final class PluginRunner implements Processor<String, LayerStep, String, PluginResult> {
    static final String BLOCK_STORE = "plugin-blocks";
    static final String STATE_STORE = "plugin-layer-state";
    private static final Logger LOG = LoggerFactory.getLogger(PluginRunner.class);

    private final List<AnalyzerPlugin> plugins;
    private final boolean weightsNeeded;
    private final RunCatalog runs;
    private final Counter failures;
    private final Counter duplicates;
    private final int maxWaiting;
    private final Map<String, Integer> logged = new java.util.HashMap<>();
    private ProcessorContext<String, PluginResult> context;
    private KeyValueStore<String, LayerStep> blocks;
    private KeyValueStore<String, PluginLayerState> states;

    PluginRunner(List<AnalyzerPlugin> plugins, RunCatalog runs, Counter failures, Counter duplicates, int maxWaiting) {
        this.plugins = plugins;
        this.weightsNeeded = plugins.stream().anyMatch(AnalyzerPlugin::needsWeights);
        this.runs = runs;
        this.failures = failures;
        this.duplicates = duplicates;
        this.maxWaiting = maxWaiting;
    }

    @Override
    public void init(ProcessorContext<String, PluginResult> context) {
        this.context = context;
        blocks = context.getStateStore(BLOCK_STORE);
        states = context.getStateStore(STATE_STORE);
    }

    @Override
    public void process(Record<String, LayerStep> record) {
        String layerKey = record.key();
        LayerStep block = record.value();
        if (runs.get(block.getRunId()) == null) {
            // no valid RunStarted: the main branch holds such blocks for the grace period, then dead-letters them;
            // plug-ins only ever see admitted-looking runs (and so make no series for made-up run ids)
            duplicates.labelValues("unknown_run").inc();
            return;
        }
        PluginLayerState state = states.get(layerKey);
        if (state == null) {
            state = new PluginLayerState(-1L, 0L, new ArrayList<>(), new ArrayList<>(), null, -1L);
        }
        StepChain chain = new StepChain(state.getLastEmittedStep(), state.getEmittedSteps(), state.getWaitingSteps(),
            state.getWaitingPrevious());
        String blockKey = blockKey(layerKey, block.getStep(), block.getBlockIndex());
        if (chain.isPast(block.getStep()) || blocks.get(blockKey) != null) {
            duplicates.labelValues("plugins").inc();
            return;
        }
        int[] skipped = {0};
        if (block.getBlockCount() == 1 && chain.releasesAtOnce(block.getPreviousStep())) {
            // The common case of a layer in one block, in order: nothing to assemble or wait for, so the
            // full tensors need not go through the store and its changelog.
            chain.complete(block.getStep(), block.getPreviousStep(), maxWaiting, skipped);
            release(layerKey, List.of(block), state);
            save(layerKey, state, chain);
            return;
        }
        blocks.put(blockKey, block);
        if (stepBlocks(layerKey, block.getStep()).size() < block.getBlockCount()) {
            return;
        }
        for (long step : chain.complete(block.getStep(), block.getPreviousStep(), maxWaiting, skipped)) {
            release(layerKey, stepBlocks(layerKey, step), state);
            List<String> done = new ArrayList<>();
            try (var it = blocks.range(blockKey(layerKey, 0, 0), blockKey(layerKey, step, 999_999))) {
                it.forEachRemaining(kv -> done.add(kv.key));
            }
            done.forEach(blocks::delete);
        }
        save(layerKey, state, chain);
    }

    private void save(String layerKey, PluginLayerState state, StepChain chain) {
        state.setLastEmittedStep(chain.lastReleased());
        state.setEmittedSteps(chain.released());
        state.setWaitingSteps(chain.waitingSteps());
        state.setWaitingPrevious(chain.waitingPrevious());
        states.put(layerKey, state);
    }

    private void release(String layerKey, List<LayerStep> parts, PluginLayerState state) {
        LayerStep first = parts.get(0);
        int rows = first.getLayerRows();
        int cols = first.getLayerCols();
        float[] gradient = new float[rows * cols];
        float[] signal = new float[rows * cols];
        float[] hebbian = new float[rows * cols];
        float[] update = new float[rows * cols];
        double[] snapshot = parts.stream().allMatch(b -> b.getWeights() != null) ? new double[rows * cols] : null;
        boolean negativeGradient = first.getSignal() == null;
        float[] squareMean = parts.stream().allMatch(b -> b.getOutputSquareMean() != null) ? new float[rows] : null;
        for (LayerStep b : parts) {
            int offset = b.getRowOffset() * cols;
            copy(TensorCodec.decodeFloats(b.getGradient()), gradient, offset);
            copy(TensorCodec.decodeFloats(b.getHebbian()), hebbian, offset);
            copy(TensorCodec.decodeFloats(b.getUpdate()), update, offset);
            if (b.getSignal() != null) {
                copy(TensorCodec.decodeFloats(b.getSignal()), signal, offset);
            }
            if (squareMean != null) {
                copy(TensorCodec.decodeFloats(b.getOutputSquareMean()), squareMean, b.getRowOffset());
            }
            if (snapshot != null) {
                double[] w = TensorCodec.decodeDoubles(b.getWeights());
                System.arraycopy(w, 0, snapshot, offset, w.length);
            }
        }
        if (negativeGradient) {
            for (int i = 0; i < signal.length; i++) {
                signal[i] = -gradient[i];
            }
        }
        double[] weights = null;
        if (weightsNeeded) {
            if (snapshot != null) {
                weights = snapshot;
            } else if (state.getWeights() != null && state.getWeightsStep() == first.getStep()) {
                weights = TensorCodec.decodeDoubles(state.getWeights());
            }
            if (weights != null) {
                double[] next = weights.clone();
                for (int i = 0; i < next.length; i++) {
                    next[i] += update[i];
                }
                state.setWeights(TensorCodec.encodeDoubles(next, rows, cols));
                state.setWeightsStep(first.getStep() + 1);
            }
        }
        AssembledLayerStep step = new AssembledLayerStep(first.getRunId(), first.getLayer(), first.getLayerIndex(),
            first.getStep(), first.getEpoch(), rows, cols, gradient, signal, negativeGradient, hebbian, update, weights,
            squareMean, runs.get(first.getRunId()));
        for (AnalyzerPlugin plugin : plugins) {
            Map<String, Double> values;
            try {
                values = plugin.analyze(step);
            } catch (RuntimeException | StackOverflowError e) {
                failures.labelValues(plugin.id()).inc();
                if (logged.merge(plugin.id(), 1, Integer::sum) <= 3) {
                    LOG.warn("plug-in {} failed on {}/{} step {}; it is skipped for this step", plugin.id(), step.runId(),
                        step.layer(), step.step(), e);
                }
                continue;
            }
            if (values != null && !values.isEmpty()) {
                context.forward(new Record<>(layerKey, new PluginResult(plugin.id(), step.runId(), step.layer(), step.step(),
                    step.epoch(), Map.copyOf(values)), context.currentSystemTimeMs()));
            }
        }
    }

    private List<LayerStep> stepBlocks(String layerKey, long step) {
        List<LayerStep> out = new ArrayList<>();
        try (var it = blocks.range(blockKey(layerKey, step, 0), blockKey(layerKey, step, 999_999))) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    private static void copy(float[] from, float[] to, int offset) {
        System.arraycopy(from, 0, to, offset, from.length);
    }

    /** Zero-padded so that a layer's blocks sort by step, then block. */
    static String blockKey(String layerKey, long step, int block) {
        return String.format("%s/%019d/%06d", layerKey, step, block);
    }
}
