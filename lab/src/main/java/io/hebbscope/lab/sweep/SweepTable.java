package io.hebbscope.lab.sweep;

import io.hebbscope.lab.report.SweepRow;
import io.hebbscope.schema.LayerAlignment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** A sweep's results: one row per run and layer at convergence, from the analyzer's layer alignments. */
public final class SweepTable {
    private final List<SweepRow> rows;

    public SweepTable(List<SweepRow> rows) {
        this.rows = List.copyOf(rows);
    }

    public List<SweepRow> rows() {
        return rows;
    }

    /**
     * Builds the rows from the analyzer's layer alignments of each run (any order): the mean over the run's last
     * epoch of each signal's layer alignment. A run without an outcome (it did not finish) counts as collapsed.
     */
    public static SweepTable from(Map<String, SweepPoint> points, Map<String, RunOutcome> outcomes,
                                  Collection<LayerAlignment> alignments) {
        return from(points, outcomes, alignments, 1);
    }

    /** The same, the mean over the analyzed steps of the run's last {@code epochs} epochs (those present). */
    public static SweepTable from(Map<String, SweepPoint> points, Map<String, RunOutcome> outcomes,
                                  Collection<LayerAlignment> alignments, int epochs) {
        Map<String, Map<String, List<LayerAlignment>>> byRunLayer = new TreeMap<>();
        for (LayerAlignment a : alignments) {
            if (points.containsKey(a.getRunId())) {
                byRunLayer.computeIfAbsent(a.getRunId(), k -> new TreeMap<>())
                    .computeIfAbsent(a.getLayer(), k -> new ArrayList<>()).add(a);
            }
        }
        List<SweepRow> rows = new ArrayList<>();
        for (var run : points.entrySet()) {
            RunOutcome outcome = outcomes.get(run.getKey());
            SweepPoint p = run.getValue();
            for (var layer : byRunLayer.getOrDefault(run.getKey(), Map.of()).entrySet()) {
                int lastEpoch = layer.getValue().stream().mapToInt(LayerAlignment::getEpoch).max().orElse(0);
                List<LayerAlignment> last = layer.getValue().stream().filter(a -> a.getEpoch() > lastEpoch - epochs).toList();
                int layerIndex = last.get(0).getLayerIndex();
                boolean ended = outcome != null && outcome.summary() != null;
                rows.add(new SweepRow(run.getKey(), p.model(), p.rule(), p.weightDecay(), p.noise(), p.learningRate(), p.seed(),
                    layer.getKey(), mean(last, LayerAlignment::getGradient), mean(last, LayerAlignment::getSignal),
                    mean(last, LayerAlignment::getUpdate),
                    ended ? outcome.summary().finalValidationLoss() : null,
                    ended ? outcome.summary().finalValidationAccuracy() : null,
                    outcome == null || outcome.collapsed(), outcome == null ? null : outcome.normRatio(layerIndex),
                    outcome == null || outcome.baselines() == null ? null : outcome.baselines().best(),
                    ended ? outcome.epochs() : null, ended ? outcome.converged() : null));
            }
        }
        return new SweepTable(rows);
    }

    static Double mean(List<LayerAlignment> steps, Function<LayerAlignment, Double> value) {
        double sum = 0;
        int n = 0;
        for (LayerAlignment a : steps) {
            Double v = value.apply(a);
            if (v != null) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }

    /** Every row, as a Markdown table. */
    public String runsMarkdown() {
        StringBuilder sb = new StringBuilder("| run | layer | -∇W·H | g·H | U·H | validation loss | trivial baseline | "
            + "‖W‖ final/initial | epochs | collapsed |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (SweepRow r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.runId(), r.layer(),
                fmt(r.alignmentGradient()), fmt(r.alignmentSignal()), fmt(r.alignmentUpdate()),
                r.validationLoss() == null ? "" : String.format(Locale.ROOT, "%.5f", r.validationLoss()),
                r.baselineLoss() == null ? "" : String.format(Locale.ROOT, "%.5f", r.baselineLoss()),
                r.weightNormRatio() == null ? "" : String.format(Locale.ROOT, "%.3f", r.weightNormRatio()),
                r.epochs() == null ? "" : r.epochs() + (Boolean.TRUE.equals(r.converged()) ? " (converged)" : ""),
                r.collapsed() ? "yes" : ""));
        }
        return sb.toString();
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
    }
}
