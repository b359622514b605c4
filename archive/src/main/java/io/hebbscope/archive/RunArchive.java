package io.hebbscope.archive;

import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The on-disk layout of exported runs: one directory per run with one Avro container file per input topic.
 * Schemas live in the file headers, so any Avro tool reads them; keys are not stored because every key
 * derives from its value.
 */
public final class RunArchive {
    public static final String RUNS = "runs.avro";
    public static final String LAYER_STEPS = "layer-steps.avro";
    public static final String TRAIN_METRICS = "train-metrics.avro";
    /** Only for runs that published per-neuron statistics. */
    public static final String LAYER_STATS = "layer-stats.avro";

    /** The runs file holds both RunStarted and RunFinished: a union. */
    public static final Schema RUNS_SCHEMA = Schema.createUnion(List.of(RunStarted.getClassSchema(), RunFinished.getClassSchema()));
    public static final Schema LAYER_STEPS_SCHEMA = LayerStep.getClassSchema();
    public static final Schema TRAIN_METRICS_SCHEMA = StepMetrics.getClassSchema();
    public static final Schema LAYER_STATS_SCHEMA = LayerStats.getClassSchema();

    private RunArchive() {}

    public static Path runDir(Path root, String runId) {
        return root.resolve(runId);
    }
}
