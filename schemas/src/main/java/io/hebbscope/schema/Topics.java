package io.hebbscope.schema;

import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one registry of hebbscope topics, with a configurable prefix (default "hebbscope"), so that
 * several deployments or a replay can share a cluster.
 */
public final class Topics {
    public static final String DEFAULT_PREFIX = "hebbscope";

    private final String prefix;

    public Topics(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("topic prefix '" + prefix + "' must be letters, digits, '.', '_' or '-'");
        }
        this.prefix = prefix;
    }

    public static Topics withDefaultPrefix() {
        return new Topics(DEFAULT_PREFIX);
    }

    public String prefix() {
        return prefix;
    }

    /** RunStarted (key runId/started) and RunFinished (key runId/finished); compacted. */
    public Topic<String, SpecificRecord> runs() {
        return new Topic<>(prefix + ".runs", Serdes.String(), AvroSerde.ofAny());
    }

    public Topic<String, LayerStep> layerSteps() {
        return new Topic<>(prefix + ".layer-steps", Serdes.String(), AvroSerde.of(LayerStep.class));
    }

    /** Per-neuron statistics of layer blocks (key runId/layer/block), the live path's input for large models. */
    public Topic<String, LayerStats> layerStats() {
        return new Topic<>(prefix + ".layer-stats", Serdes.String(), AvroSerde.of(LayerStats.class));
    }

    /**
     * Trainer checkpoints (key runId, {@link TrainerCheckpoint} parts): what {@code train --resume} continues a crashed
     * run from. Written by trainers, read only by a resuming trainer; not an analyzer input.
     */
    public Topic<String, TrainerCheckpoint> checkpoints() {
        return new Topic<>(prefix + ".checkpoints", Serdes.String(), AvroSerde.of(TrainerCheckpoint.class));
    }

    public Topic<String, StepMetrics> trainMetrics() {
        return new Topic<>(prefix + ".train-metrics", Serdes.String(), AvroSerde.of(StepMetrics.class));
    }

    public Topic<String, NeuronAlignment> neuronAlignment() {
        return new Topic<>(prefix + ".neuron-alignment", Serdes.String(), AvroSerde.of(NeuronAlignment.class));
    }

    public Topic<String, LayerAlignment> layerAlignment() {
        return new Topic<>(prefix + ".layer-alignment", Serdes.String(), AvroSerde.of(LayerAlignment.class));
    }

    public Topic<String, PhaseEvent> phases() {
        return new Topic<>(prefix + ".phases", Serdes.String(), AvroSerde.of(PhaseEvent.class));
    }

    /** Key: the original record's key bytes. */
    public Topic<byte[], DeadLetter> deadLetters() {
        return new Topic<>(prefix + ".dead-letters", Serdes.ByteArray(), AvroSerde.of(DeadLetter.class));
    }

    /** The output topic of a plug-in analyzer. */
    public Topic<String, PluginResult> pluginResults(String pluginId) {
        return new Topic<>(prefix + ".plugin." + pluginId, Serdes.String(), AvroSerde.of(PluginResult.class));
    }

    /** The topics trainers write and analyzers read: runs, layer steps, train metrics, layer stats. */
    public List<String> inputNames() {
        return List.of(runs().name(), layerSteps().name(), trainMetrics().name(), layerStats().name());
    }

    /** The topics the analyzer writes: neuron and layer alignment, phases, dead letters (plug-ins' come on top). */
    public List<String> outputNames() {
        return List.of(neuronAlignment().name(), layerAlignment().name(), phases().name(), deadLetters().name());
    }

    /** Every topic hebbscope creates, with the names only (partitions are the deployer's choice). */
    public List<String> allNames() {
        return List.of(runs().name(), layerSteps().name(), trainMetrics().name(), neuronAlignment().name(),
            layerAlignment().name(), phases().name(), deadLetters().name(), layerStats().name(), checkpoints().name());
    }
}
