package io.hebbscope.lab.report;

import org.jfree.chart.JFreeChart;

/**
 * One PNG of the report: its file name in the output directory, the chart, its pixel size and the dataset record
 * the chart was built from (a {@code List<Series>}, {@link Heatmap}, {@link GammaSummary} or {@link PhaseGrid}).
 */
public record Figure(String file, String title, JFreeChart chart, int width, int height, Object data) {}
