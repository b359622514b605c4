package io.hebbscope.cli.report;

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

    /** Compact number: 0, 5e-05, 0.001, 0.5. */
    public static String formatNumber(double v) {
        if (v == 0) {
            return "0";
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        if (s.contains("e")) {
            String[] parts = s.split("e");
            String mantissa = parts[0].contains(".") ? parts[0].replaceAll("0+$", "").replaceAll("\\.$", "") : parts[0];
            return mantissa + "e" + parts[1];
        }
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
