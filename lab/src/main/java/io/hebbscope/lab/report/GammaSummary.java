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
    public record Row(String model, String rule, String label, List<StatCell> cells) {
        public Row {
            cells = List.copyOf(cells);
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

    /** Rows model, rule; columns γ; cells mean±std ("–" where no seed has a defined alignment). */
    public Table table() {
        List<String> header = new ArrayList<>(List.of("model", "rule"));
        gammas.forEach(g -> header.add("γ=" + formatNumber(g)));
        List<List<String>> body = new ArrayList<>();
        for (Row row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.model(), row.rule()));
            row.cells().forEach(c -> cells.add(c.format()));
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
