package io.hebbscope.cli.sweep;

import io.hebbscope.schema.LayerAlignment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A sweep's results: rows per run and layer, written as CSV and Markdown, and the paper's Table 1 layout. */
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
     * epoch of each signal's layer alignment.
     */
    public static SweepTable from(Map<String, SweepPoint> points, Map<String, RunOutcome> outcomes,
                                  Collection<LayerAlignment> alignments) {
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
            Map<String, List<LayerAlignment>> layers = byRunLayer.getOrDefault(run.getKey(), Map.of());
            for (var layer : layers.entrySet()) {
                int lastEpoch = layer.getValue().stream().mapToInt(LayerAlignment::getEpoch).max().orElse(0);
                List<LayerAlignment> last = layer.getValue().stream().filter(a -> a.getEpoch() == lastEpoch).toList();
                int layerIndex = last.get(0).getLayerIndex();
                rows.add(new SweepRow(run.getKey(), run.getValue(), layer.getKey(),
                    mean(last, LayerAlignment::getGradient), mean(last, LayerAlignment::getSignal),
                    mean(last, LayerAlignment::getUpdate),
                    outcome == null || outcome.summary() == null ? null : outcome.summary().finalValidationLoss(), null,
                    outcome == null || outcome.collapsed(layerIndex)));
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

    public void writeCsv(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(SweepRow.CSV_HEADER);
        rows.forEach(r -> lines.add(r.csv()));
        Files.write(file, lines);
    }

    /** Every row, as a Markdown table. */
    public String runsMarkdown() {
        StringBuilder sb = new StringBuilder("| run | layer | -∇W·H | g·H | U·H | validation loss | collapsed |\n|---|---|---|---|---|---|---|\n");
        for (SweepRow r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", r.runId(), r.layer(), fmt(r.gradient()),
                fmt(r.signal()), fmt(r.update()), r.validationLoss() == null ? "" : String.format(Locale.ROOT, "%.5f", r.validationLoss()),
                r.collapsed() ? "yes" : ""));
        }
        return sb.toString();
    }

    /**
     * The layout of the paper's Table 1 for one layer: rows model/rule (one table per σ and learning rate),
     * columns γ, cells the mean ± std over seeds of the learning-signal alignment; "–" where the weights collapsed
     * in every seed.
     */
    public String table1Markdown(String layer) {
        StringBuilder sb = new StringBuilder();
        TreeSet<Double> gammas = new TreeSet<>();
        Map<String, List<SweepRow>> groups = new LinkedHashMap<>();
        for (SweepRow r : rows) {
            if (r.layer().equals(layer)) {
                gammas.add(r.point().weightDecay());
                groups.computeIfAbsent(String.format(Locale.ROOT, "σ = %s, learning rate %s",
                    SweepPoint.number(r.point().noise()), SweepPoint.number(r.point().learningRate())), k -> new ArrayList<>()).add(r);
            }
        }
        for (var group : groups.entrySet()) {
            sb.append("\n").append(layer).append(", ").append(group.getKey()).append(": mean ± std over seeds of cos(g, H)\n\n");
            sb.append("| model | rule |");
            gammas.forEach(g -> sb.append(" γ=").append(SweepPoint.number(g)).append(" |"));
            sb.append("\n|---|---|").append("---|".repeat(gammas.size())).append("\n");
            Map<String, List<SweepRow>> byRule = group.getValue().stream().collect(Collectors.groupingBy(
                r -> r.point().model() + " | " + r.point().rule(), LinkedHashMap::new, Collectors.toList()));
            for (var rule : byRule.entrySet()) {
                sb.append("| ").append(rule.getKey()).append(" |");
                for (double g : gammas) {
                    List<SweepRow> cell = rule.getValue().stream().filter(r -> r.point().weightDecay() == g).toList();
                    sb.append(" ").append(cell(cell)).append(" |");
                }
                sb.append("\n");
            }
        }
        return sb.toString();
    }

    static String cell(List<SweepRow> seeds) {
        if (seeds.isEmpty()) {
            return "";
        }
        if (seeds.stream().allMatch(SweepRow::collapsed)) {
            return "–";
        }
        double[] v = seeds.stream().filter(r -> !r.collapsed() && r.signal() != null).mapToDouble(SweepRow::signal).toArray();
        if (v.length == 0) {
            return "n/a";
        }
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        double var = java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.length - 1);
        return String.format(Locale.ROOT, "%.2f±%.2f", mean, Math.sqrt(var));
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
    }
}
