package io.hebbscope.lab.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Chart datasets from a sweep's results, for one layer. Every figure uses the learning-signal alignment
 * ({@code alignment_signal}, what Table 1 reports); collapsed runs and undefined alignments are left out of means.
 * Groups are (model, rule), in order of first appearance in the file.
 */
public final class SweepDatasets {
    private SweepDatasets() {}

    /** Layers present in the rows, in order of first appearance. */
    public static List<String> layers(List<SweepRow> rows) {
        return rows.stream().map(SweepRow::layer).distinct().toList();
    }

    /**
     * Alignment against γ (Table 1 / Figure 3) at the smallest noise level of the layer's rows (σ = 0 in a sweep that
     * has it), mean ± std over seeds per (model, rule, γ).
     */
    public static GammaSummary alignmentVsGamma(List<SweepRow> rows, String layer) {
        return alignmentVsGamma(rows, layer, SweepRow::alignmentSignal);
    }

    /** The same summary for another column: {@code SweepRow::alignmentGradient} or {@code SweepRow::alignmentUpdate}. */
    public static GammaSummary alignmentVsGamma(List<SweepRow> rows, String layer, Function<SweepRow, Double> column) {
        List<SweepRow> ofLayer = ofLayer(rows, layer);
        double noise = ofLayer.stream().mapToDouble(SweepRow::noise).min().orElse(0);
        List<SweepRow> used = ofLayer.stream().filter(r -> r.noise() == noise).toList();
        List<Double> gammas = List.copyOf(new TreeSet<>(used.stream().map(SweepRow::weightDecay).toList()));
        boolean severalModels = used.stream().map(SweepRow::model).distinct().count() > 1;
        List<GammaSummary.Row> out = new ArrayList<>();
        groups(used).forEach((key, groupRows) -> {
            List<StatCell> cells = new ArrayList<>();
            List<Integer> runs = new ArrayList<>();
            List<Integer> collapsed = new ArrayList<>();
            for (double g : gammas) {
                List<SweepRow> at = groupRows.stream().filter(r -> r.weightDecay() == g).toList();
                cells.add(StatCell.of(at.stream().filter(r -> !r.collapsed() && column.apply(r) != null)
                    .map(column).toList()));
                runs.add(at.size());
                collapsed.add((int) at.stream().filter(SweepRow::collapsed).count());
            }
            SweepRow first = groupRows.get(0);
            out.add(new GammaSummary.Row(first.model(), first.rule(), label(first, severalModels), cells, runs, collapsed));
        });
        return new GammaSummary(layer, noise, gammas, PhaseGrid.zeroPosition(gammas), out);
    }

    /** One σ x γ grid per (model, rule): mean over seeds of the signal alignment in each cell. */
    public static List<PhaseGrid> phaseGrids(List<SweepRow> rows, String layer) {
        List<SweepRow> ofLayer = ofLayer(rows, layer);
        boolean severalModels = ofLayer.stream().map(SweepRow::model).distinct().count() > 1;
        List<PhaseGrid> out = new ArrayList<>();
        groups(ofLayer).forEach((key, groupRows) -> {
            Map<Double, Map<Double, List<Double>>> values = new TreeMap<>();
            for (SweepRow r : groupRows) {
                List<Double> cell = values.computeIfAbsent(r.noise(), s -> new TreeMap<>())
                    .computeIfAbsent(r.weightDecay(), g -> new ArrayList<>());
                if (usable(r)) {
                    cell.add(r.alignmentSignal());
                }
            }
            List<PhaseGrid.Cell> cells = new ArrayList<>();
            values.forEach((sigma, row) -> row.forEach((gamma, v) -> cells.add(new PhaseGrid.Cell(sigma, gamma, StatCell.of(v)))));
            out.add(new PhaseGrid(label(groupRows.get(0), severalModels), layer, cells));
        });
        return out;
    }

    /**
     * Validation loss against signal alignment (Figure 6): one point per run (row of the layer) with both defined,
     * one series per (model, rule), in file order.
     */
    public static List<Series> validationVsAlignment(List<SweepRow> rows, String layer) {
        List<SweepRow> ofLayer = ofLayer(rows, layer);
        boolean severalModels = ofLayer.stream().map(SweepRow::model).distinct().count() > 1;
        List<Series> out = new ArrayList<>();
        groups(ofLayer).forEach((key, groupRows) -> out.add(new Series(label(groupRows.get(0), severalModels),
            groupRows.stream().filter(r -> r.alignmentSignal() != null && r.validationLoss() != null)
                .map(r -> new Series.Point(r.alignmentSignal(), r.validationLoss())).toList())));
        return out;
    }

    private static boolean usable(SweepRow r) {
        return !r.collapsed() && r.alignmentSignal() != null;
    }

    private static List<SweepRow> ofLayer(List<SweepRow> rows, String layer) {
        return rows.stream().filter(r -> r.layer().equals(layer)).toList();
    }

    private static Map<String, List<SweepRow>> groups(List<SweepRow> rows) {
        Map<String, List<SweepRow>> out = new LinkedHashMap<>();
        rows.forEach(r -> out.computeIfAbsent(r.model() + "\u0000" + r.rule(), k -> new ArrayList<>()).add(r));
        return out;
    }

    private static String label(SweepRow r, boolean withModel) {
        return withModel ? r.model() + " " + r.rule() : r.rule();
    }
}
