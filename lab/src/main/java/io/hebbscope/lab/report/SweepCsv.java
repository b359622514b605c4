package io.hebbscope.lab.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a sweep results CSV: a header line, then one comma-separated row per run and layer (no quoting). Missing
 * file: an error naming the path; a malformed row: an error naming its line number (1 = the header). Files of the
 * first format ({@link #LEGACY_HEADER}, without the last four columns) are still read.
 */
public final class SweepCsv {
    /** The first format's header: the columns up to {@code collapsed}. */
    public static final String LEGACY_HEADER = "run_id,model,rule,weight_decay,noise,learning_rate,seed,layer,"
        + "alignment_gradient,alignment_signal,alignment_update,validation_loss,validation_accuracy,collapsed";
    public static final String HEADER = LEGACY_HEADER + ",weight_norm_ratio,baseline_loss,epochs,converged";
    public static final List<String> COLUMNS = List.of(HEADER.split(","));
    private static final int LEGACY_COLUMNS = LEGACY_HEADER.split(",").length;

    private SweepCsv() {}

    /** A malformed sweep results file. */
    public static final class MalformedSweepException extends IOException {
        MalformedSweepException(String message) {
            super(message);
        }
    }

    /** Writes rows in this format (the sweep command's results.csv). */
    public static void write(List<SweepRow> rows, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        for (SweepRow r : rows) {
            lines.add(String.join(",", r.runId(), r.model(), r.rule(), Double.toString(r.weightDecay()), Double.toString(r.noise()),
                Double.toString(r.learningRate()), Long.toString(r.seed()), r.layer(), cell(r.alignmentGradient()),
                cell(r.alignmentSignal()), cell(r.alignmentUpdate()), cell(r.validationLoss()), cell(r.validationAccuracy()),
                Boolean.toString(r.collapsed()), cell(r.weightNormRatio()), cell(r.baselineLoss()),
                r.epochs() == null ? "" : Integer.toString(r.epochs()), r.converged() == null ? "" : r.converged().toString()));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static String cell(Double v) {
        return v == null ? "" : Double.toString(v);
    }

    public static List<SweepRow> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toAbsolutePath().toString(), null, "sweep results file not found");
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toAbsolutePath().toString());
        }
    }

    static List<SweepRow> parse(BufferedReader r, String name) throws IOException {
        String header = r.readLine();
        if (header == null) {
            throw new MalformedSweepException(name + ": empty file, expected the header " + HEADER);
        }
        String h = header.strip().replace("\uFEFF", "");
        if (!h.equals(HEADER) && !h.equals(LEGACY_HEADER)) {
            throw new MalformedSweepException(name + " line 1: header must be " + HEADER + " but is " + header.strip());
        }
        int columns = h.equals(HEADER) ? COLUMNS.size() : LEGACY_COLUMNS;
        List<SweepRow> rows = new ArrayList<>();
        int lineNo = 1;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            rows.add(parseRow(line, name, lineNo, columns));
        }
        return rows;
    }

    private static SweepRow parseRow(String line, String name, int lineNo, int columns) throws MalformedSweepException {
        String[] f = line.split(",", -1);
        if (f.length != columns) {
            throw new MalformedSweepException(name + " line " + lineNo + ": expected " + columns + " fields but found "
                + f.length);
        }
        for (int i = 0; i < f.length; i++) {
            f[i] = f[i].strip();
        }
        Fields p = new Fields(f, name, lineNo);
        String collapsed = f[13];
        if (!collapsed.equals("true") && !collapsed.equals("false")) {
            throw p.error(13, "must be true or false");
        }
        for (int i : new int[] {0, 2, 7}) {
            if (f[i].isEmpty()) {
                throw p.error(i, "must not be empty");
            }
        }
        double weightDecay = p.number(3);
        double noise = p.number(4);
        if (weightDecay < 0) {
            throw p.error(3, "must be >= 0");
        }
        if (noise < 0) {
            throw p.error(4, "must be >= 0");
        }
        long seed;
        try {
            seed = Long.parseLong(f[6]);
        } catch (NumberFormatException e) {
            throw p.error(6, "must be an integer");
        }
        if (columns == LEGACY_COLUMNS) {
            return new SweepRow(f[0], f[1], f[2], weightDecay, noise, p.number(5), seed, f[7], p.optional(8),
                p.optional(9), p.optional(10), p.optional(11), p.optional(12), Boolean.parseBoolean(collapsed));
        }
        Double ratio = p.optional(14);
        if (ratio != null && ratio < 0) {
            throw p.error(14, "must be >= 0");
        }
        Integer epochs = null;
        if (!f[16].isEmpty()) {
            try {
                epochs = Integer.parseInt(f[16]);
            } catch (NumberFormatException e) {
                throw p.error(16, "must be an integer");
            }
        }
        Boolean converged = null;
        if (!f[17].isEmpty()) {
            if (!f[17].equals("true") && !f[17].equals("false")) {
                throw p.error(17, "must be true, false or empty");
            }
            converged = Boolean.parseBoolean(f[17]);
        }
        return new SweepRow(f[0], f[1], f[2], weightDecay, noise, p.number(5), seed, f[7], p.optional(8),
            p.optional(9), p.optional(10), p.optional(11), p.optional(12), Boolean.parseBoolean(collapsed), ratio,
            p.optional(15), epochs, converged);
    }

    private record Fields(String[] f, String name, int lineNo) {
        MalformedSweepException error(int column, String what) {
            return new MalformedSweepException(name + " line " + lineNo + ": " + COLUMNS.get(column) + " '" + f[column]
                + "' " + what);
        }

        double number(int column) throws MalformedSweepException {
            Double v = optional(column);
            if (v == null) {
                throw error(column, "must not be empty");
            }
            return v;
        }

        Double optional(int column) throws MalformedSweepException {
            if (f[column].isEmpty()) {
                return null;
            }
            try {
                double v = Double.parseDouble(f[column]);
                if (!Double.isFinite(v)) {
                    throw error(column, "must be a finite number");
                }
                return v;
            } catch (NumberFormatException e) {
                throw error(column, "is not a number");
            }
        }
    }
}
