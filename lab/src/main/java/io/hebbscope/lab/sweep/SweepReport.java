package io.hebbscope.lab.sweep;

import io.hebbscope.lab.report.GammaSummary;
import io.hebbscope.lab.report.PhaseBoundaryFit;
import io.hebbscope.lab.report.PhaseGrid;
import io.hebbscope.lab.report.ReportIndex;
import io.hebbscope.lab.report.SweepCsv;
import io.hebbscope.lab.report.SweepDatasets;
import io.hebbscope.lab.report.SweepRow;
import io.hebbscope.lab.report.Table;
import io.hebbscope.trainer.TrainerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes a sweep's results: results.csv (the format `report --sweep-results` reads), runs.md, and summary.md with
 * the settings every run shares, the grid, the Table 1 layout per layer (cos(g, H) with each rule's learning
 * signal g as the README defines it), beside it the gradient's and the whole update's alignment, and, for σ x γ
 * grids, the fitted phase boundary γ* = c σ^p: the same datasets the report draws.
 */
public final class SweepReport {
    /** Each rule's learning signal g, as README.md and docs/training.md define it. */
    static final Map<String, String> SIGNALS = Map.of(
        "sgd", "-∇W",
        "adam", "Adam's step of the loss gradient alone, m̂(∇W) / (√v̂ + ε) negated (the coupled decay left out of the first moment)",
        "adamw", "Adam's step of the loss gradient, m̂(∇W) / (√v̂ + ε) negated (decay decoupled)",
        "dfa", "the DFA update per unit learning rate",
        "randomnn", "the RandomNN update per unit learning rate",
        "hebb", "the normalized Hebbian change per unit learning rate",
        "oja", "Oja's update");

    private SweepReport() {}

    public static void write(SweepTable table, Path out, String layer, List<TrainerConfig> configs, SweepGrid grid,
                             PrintWriter w) throws IOException {
        SweepCsv.write(table.rows(), out.resolve("results.csv"));
        Files.writeString(out.resolve("runs.md"), "# Sweep runs\n\n" + table.runsMarkdown());
        List<String> rules = table.rows().stream().map(SweepRow::rule).distinct().toList();
        ReportIndex summary = new ReportIndex("Sweep summary")
            .text(settingsLine(configs))
            .text(gridLine(grid))
            .text("Table 1's column is cos(g, H) with each rule's learning signal g (regularizers and noise excluded): "
                + rules.stream().map(r -> r + ": " + SIGNALS.getOrDefault(r, "the rule's signal")).collect(Collectors.joining("; "))
                + ". Beside it, cos(-∇W, H) and cos(U, H), U the whole update (decay and noise included). A run is "
                + "collapsed (\"–\", the paper's weights driven to zero) when it did not complete, a layer's weight norm "
                + "fell below 1% of its initial norm, or its validation loss is no better than 95% of the better trivial "
                + "baseline (predicting the mean target or zero) while a layer's norm fell to half or less; collapsed runs "
                + "are left out of the means.");
        for (String l : SweepDatasets.layers(table.rows())) {
            GammaSummary gammas = SweepDatasets.alignmentVsGamma(table.rows(), l);
            summary.heading(2, l + ": cos(g, H) at convergence, mean ± std over seeds (σ = "
                + GammaSummary.formatNumber(gammas.noise()) + "; – where every seed collapsed)").table(gammas.table());
            summary.text(l + ", beside it: cos(-∇W, H) and cos(U, H).").table(besideTable(table.rows(), l));
            for (PhaseGrid phase : SweepDatasets.phaseGrids(table.rows(), l)) {
                if (phase.sigmas().size() > 1) {
                    summary.text(l + ", " + phase.label() + ", phase boundary: " + PhaseBoundaryFit.fit(phase.means()).describe() + ".");
                }
            }
        }
        String markdown = summary.markdown();
        Files.writeString(out.resolve("summary.md"), markdown);
        w.println(markdown);
        w.println("results: " + out.resolve("results.csv") + ", " + out.resolve("runs.md") + ", " + out.resolve("summary.md")
            + " (figures: hebbscope report --sweep-results " + out.resolve("results.csv") + " --layer " + layer + " --out DIR)");
    }

    /** The gradient's and the update's alignment in the Table 1 layout, one row per (model, rule, term). */
    static Table besideTable(List<SweepRow> rows, String layer) {
        Map<String, Function<SweepRow, Double>> terms = new LinkedHashMap<>();
        terms.put("-∇W", SweepRow::alignmentGradient);
        terms.put("U", SweepRow::alignmentUpdate);
        List<GammaSummary> summaries = new ArrayList<>();
        terms.values().forEach(f -> summaries.add(SweepDatasets.alignmentVsGamma(rows, layer, f)));
        List<String> header = new ArrayList<>(List.of("model", "rule", "term"));
        summaries.get(0).gammas().forEach(g -> header.add("γ=" + GammaSummary.formatNumber(g)));
        List<List<String>> body = new ArrayList<>();
        List<String> names = List.copyOf(terms.keySet());
        for (int r = 0; r < summaries.get(0).rows().size(); r++) {
            for (int t = 0; t < names.size(); t++) {
                GammaSummary.Row row = summaries.get(t).rows().get(r);
                List<String> cells = new ArrayList<>(List.of(row.model(), row.rule(), names.get(t)));
                for (int i = 0; i < row.cells().size(); i++) {
                    cells.add(row.format(i));
                }
                body.add(cells);
            }
        }
        return new Table(header, body);
    }

    /**
     * "Settings shared by every run: ..." (each setting whose value is the same in every run's configuration, the
     * run id never) and the names of those that vary.
     */
    static String settingsLine(List<TrainerConfig> configs) {
        if (configs.isEmpty()) {
            return "Settings: no runs.";
        }
        List<Map<String, String>> maps = configs.stream().map(TrainerConfig::toMap).toList();
        Map<String, String> shared = new LinkedHashMap<>();
        List<String> varying = new ArrayList<>();
        for (var e : maps.get(0).entrySet()) {
            if (e.getKey().equals("runId")) {
                continue;
            }
            boolean same = maps.stream().allMatch(m -> Objects.equals(m.get(e.getKey()), e.getValue()));
            if (same) {
                shared.put(e.getKey(), e.getValue());
            } else {
                varying.add(e.getKey());
            }
        }
        // keys only some runs have (a transformer's, with MLPs in the same sweep) vary too
        maps.forEach(m -> m.keySet().stream().filter(k -> !k.equals("runId") && !shared.containsKey(k) && !varying.contains(k))
            .forEach(varying::add));
        String line = "Settings shared by every run: " + shared.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")) + ".";
        return varying.isEmpty() ? line : line + " Varying over the grid: " + String.join(", ", varying) + ".";
    }

    /** The grid's axes and its size. */
    static String gridLine(SweepGrid grid) {
        return String.format(Locale.ROOT, "Grid: models %s x rules %s x γ %s x σ %s x learning rates %s x seeds %s = %d runs.",
            grid.models(), grid.rules(), numbers(grid.weightDecays()), numbers(grid.noises()),
            numbers(grid.learningRates()), grid.seeds(), grid.points().size());
    }

    private static String numbers(List<Double> values) {
        return values.stream().map(GammaSummary::formatNumber).collect(Collectors.joining(", ", "[", "]"));
    }
}
