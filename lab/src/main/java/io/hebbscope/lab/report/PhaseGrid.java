package io.hebbscope.lab.report;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Mean signal alignment over seeds for each (σ, γ) cell of one (model, rule) (the paper's Figure 5). */
public record PhaseGrid(String label, String layer, List<Cell> cells) {
    public record Cell(double sigma, double gamma, StatCell stat) {}

    public PhaseGrid {
        cells = List.copyOf(cells);
    }

    /** σ -> (γ -> mean) over the cells with a defined mean: the fit's input. */
    public Map<Double, Map<Double, Double>> means() {
        Map<Double, Map<Double, Double>> out = new TreeMap<>();
        for (Cell c : cells) {
            if (c.stat().defined()) {
                out.computeIfAbsent(c.sigma(), s -> new TreeMap<>()).put(c.gamma(), c.stat().mean());
            }
        }
        return out;
    }

    public List<Double> sigmas() {
        return List.copyOf(new TreeSet<>(cells.stream().map(Cell::sigma).toList()));
    }

    public List<Double> gammas() {
        return List.copyOf(new TreeSet<>(cells.stream().map(Cell::gamma).toList()));
    }

    /** Where a zero is drawn on a log axis: a tenth of the smallest positive value (1e-6 when there is none). */
    public static double zeroPosition(List<Double> values) {
        return values.stream().filter(v -> v > 0).mapToDouble(Double::doubleValue).min().orElse(1e-5) / 10;
    }
}
