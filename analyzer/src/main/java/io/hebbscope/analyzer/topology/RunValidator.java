package io.hebbscope.analyzer.topology;

import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bounds a RunStarted must respect for its run to be analyzed (docs/concepts.md lists them): a run is admitted only on a
 * valid RunStarted, and its layer steps are checked against it. Each bound keeps what the analyzer allocates per run,
 * layer or step, and the labels of the run's metric series, within reason.
 */
public final class RunValidator {
    /** Linear maps of one run. */
    public static final int MAX_LAYERS = 256;
    /** Neurons of one layer (the analyzer keeps rows x 7 doubles per pending step). */
    public static final int MAX_ROWS = 65_536;
    /** Inputs of one layer. */
    public static final int MAX_COLS = 16_777_216;
    /** Weights of one layer (a plug-in assembles whole layers). */
    public static final long MAX_LAYER_ELEMENTS = 1L << 26;
    /** Steps of one run. */
    public static final long MAX_TOTAL_STEPS = 1_000_000_000_000L;
    /** Characters of task, model, rule and of each config key and value (they become metric labels). */
    public static final int MAX_TEXT = 256;
    /** Entries of the config map. */
    public static final int MAX_CONFIG_ENTRIES = 256;
    /** What RunFinished may report (a metric label). */
    public static final Set<String> STATUSES = Set.of("completed", "diverged", "interrupted");

    private RunValidator() {}

    /** Throws {@link InvalidRecordException} ({@code invalid_run}) naming the first bound {@code r} breaks. */
    public static void check(RunStarted r) {
        name("run id", r.getRunId());
        text("task", r.getTask());
        text("model", r.getModel());
        text("rule", r.getRule());
        require(r.getConfig().size() <= MAX_CONFIG_ENTRIES, "config has " + r.getConfig().size() + " entries, at most "
            + MAX_CONFIG_ENTRIES);
        for (Map.Entry<String, String> e : r.getConfig().entrySet()) {
            text("config key", e.getKey());
            text("config value of " + e.getKey(), e.getValue());
        }
        int layers = r.getLayers().size();
        require(layers >= 1 && layers <= MAX_LAYERS, "a run has 1.." + MAX_LAYERS + " layers, this one " + layers);
        Set<String> names = new HashSet<>();
        Set<Integer> indices = new HashSet<>();
        for (LayerShape l : r.getLayers()) {
            name("layer", l.getName());
            require(names.add(l.getName()), "layer " + l.getName() + " is named twice");
            require(l.getIndex() >= 0 && indices.add(l.getIndex()), "layer " + l.getName() + " has index " + l.getIndex()
                + " (must be >= 0 and unique)");
            require(l.getRows() >= 1 && l.getRows() <= MAX_ROWS, "layer " + l.getName() + " has " + l.getRows()
                + " rows, must be 1.." + MAX_ROWS);
            require(l.getCols() >= 1 && l.getCols() <= MAX_COLS, "layer " + l.getName() + " has " + l.getCols()
                + " cols, must be 1.." + MAX_COLS);
            require((long) l.getRows() * l.getCols() <= MAX_LAYER_ELEMENTS, "layer " + l.getName() + " has "
                + (long) l.getRows() * l.getCols() + " weights, at most " + MAX_LAYER_ELEMENTS);
            require(l.getRowsPerBlock() >= 1 && l.getRowsPerBlock() <= l.getRows(), "layer " + l.getName() + " has "
                + l.getRowsPerBlock() + " rows per block, must be 1.." + l.getRows());
            int blocks = (l.getRows() + l.getRowsPerBlock() - 1) / l.getRowsPerBlock();
            require(l.getBlocks() == blocks, "layer " + l.getName() + " says " + l.getBlocks() + " blocks; "
                + l.getRows() + " rows in blocks of " + l.getRowsPerBlock() + " make " + blocks);
        }
        require(r.getStepsPerEpoch() >= 1, "stepsPerEpoch is " + r.getStepsPerEpoch() + ", must be >= 1");
        require(r.getTotalSteps() >= 1 && r.getTotalSteps() <= MAX_TOTAL_STEPS, "totalSteps is " + r.getTotalSteps()
            + ", must be 1.." + MAX_TOTAL_STEPS);
        require(r.getPublishEvery() >= 0, "publishEvery is " + r.getPublishEvery() + ", must be >= 0 (0: no tensors)");
        require(r.getStatsEvery() >= 0, "statsEvery is " + r.getStatsEvery() + ", must be >= 0 (0: no statistics)");
        require(r.getPublishEvery() > 0 || r.getStatsEvery() > 0, "publishEvery and statsEvery are 0: the run publishes"
            + " neither tensors nor statistics");
        require(r.getStatsEvery() == 0 || r.getStatsRowsPerBlock() >= 1, "statsRowsPerBlock is "
            + r.getStatsRowsPerBlock() + ", must be >= 1 when statsEvery is (" + r.getStatsEvery() + ")");
        require(r.getSnapshotEvery() >= 0, "snapshotEvery is " + r.getSnapshotEvery() + ", must be >= 0");
    }

    /** Throws {@link InvalidRecordException} ({@code invalid}) when the status is not one the analyzer knows. */
    public static void check(RunFinished f) {
        name("run id", f.getRunId());
        if (f.getStatus() == null || !STATUSES.contains(f.getStatus())) {
            throw new InvalidRecordException("invalid", "RunFinished status '" + f.getStatus() + "' is not one of "
                + STATUSES.stream().sorted().toList());
        }
    }

    private static void name(String what, String name) {
        try {
            Keys.requireValidName(what, name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("invalid_run", e.getMessage());
        }
    }

    private static void text(String what, String value) {
        require(value != null && value.length() <= MAX_TEXT, what + " must be at most " + MAX_TEXT + " characters");
    }

    private static void require(boolean ok, String reason) {
        if (!ok) {
            throw new InvalidRecordException("invalid_run", reason);
        }
    }
}
