package io.hebbscope.lab.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Signal alignment against weight decay γ per (model, rule), mean ± std over seeds (the paper's Table 1 / Figure 3),
 * at one noise level. {@code cells} of each row line up with {@code gammas}; {@code zeroAt} is where γ = 0 is drawn
 * on the log axis.
 */
public record GammaSummary(String layer, double noise, List<Double> gammas, double zeroAt, List<Row> rows) {
    /**
     * One (model, rule): {@code cells} per γ, and per γ how many runs there were and how many of them collapsed
     * (collapsed runs are left out of the cell's mean).
     */
    public record Row(String model, String rule, String label, List<StatCell> cells, List<Integer> runs,
                      List<Integer> collapsed) {
        public Row {
            cells = List.copyOf(cells);
            runs = List.copyOf(runs);
            collapsed = List.copyOf(collapsed);
            if (runs.size() != cells.size() || collapsed.size() != cells.size()) {
                throw new IllegalArgumentException("runs and collapsed need one count per cell");
            }
        }

        /** A row without collapse counts. */
        public Row(String model, String rule, String label, List<StatCell> cells) {
            this(model, rule, label, cells, cells.stream().map(c -> 0).toList(), cells.stream().map(c -> 0).toList());
        }

        /** The cell as the table shows it: "–" where no seed has a value, "(k/n collapsed)" when some collapsed. */
        public String format(int i) {
            String text = cells.get(i).format();
            int k = collapsed.get(i);
            return k > 0 && cells.get(i).defined() ? text + " (" + k + "/" + runs.get(i) + " collapsed)" : text;
        }
    }

    public GammaSummary {
        gammas = List.copyOf(gammas);
        rows = List.copyOf(rows);
    }

    /** One error-bar series per row; cells without a defined value are left out. */
    public List<ErrorSeries> series() {
        List<ErrorSeries> out = new ArrayList<>();
        for (Row row : rows) {
            List<ErrorSeries.Point> points = new ArrayList<>();
            for (int i = 0; i < gammas.size(); i++) {
                StatCell c = row.cells().get(i);
                if (c.defined()) {
                    double g = gammas.get(i);
                    points.add(new ErrorSeries.Point(g, g == 0 ? zeroAt : g, c.mean(), c.std(), c.n()));
                }
            }
            out.add(new ErrorSeries(row.label(), points));
        }
        return out;
    }

    /**
     * Rows model, rule; columns γ; cells mean±std ("–" where no seed has a defined alignment, "(k/n collapsed)"
     * when k of the cell's n runs collapsed and the others are shown).
     */
    public Table table() {
        List<String> header = new ArrayList<>(List.of("model", "rule"));
        gammas.forEach(g -> header.add("γ=" + formatNumber(g)));
        List<List<String>> body = new ArrayList<>();
        for (Row row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.model(), row.rule()));
            for (int i = 0; i < row.cells().size(); i++) {
                cells.add(row.format(i));
            }
            body.add(cells);
        }
        return new Table(header, body);
    }

    /** Compact number as in the paper's tables: 0, 5e-5, 0.05, 0.5, 12.5. */
    public static String formatNumber(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a < 0.01 || a >= 1000) {
            String[] parts = String.format(Locale.ROOT, "%.2e", v).split("e");
            return strip(parts[0]) + "e" + Integer.parseInt(parts[1]);
        }
        return strip(String.format(Locale.ROOT, "%.3g", v));
    }

    private static String strip(String decimal) {
        return decimal.contains(".") ? decimal.replaceAll("0+$", "").replaceAll("\\.$", "") : decimal;
    }
}
