package io.hebbscope.lab.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What a report wrote: the index pages, every figure (with its chart and dataset), and the sweep's summaries. */
public record Report(Path markdownIndex, Path htmlIndex, List<Figure> figures, GammaSummary gammaSummary,
                     Map<String, PhaseBoundaryFit.Result> fits) {
    public Report {
        figures = List.copyOf(figures);
        fits = Map.copyOf(fits);
    }

    /** The figure written to {@code file}. */
    public Figure figure(String file) {
        return figures.stream().filter(f -> f.file().equals(file)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no figure " + file + " in " + figures.stream().map(Figure::file).toList()));
    }
}
