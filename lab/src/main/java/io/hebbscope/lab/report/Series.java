package io.hebbscope.lab.report;

import java.util.List;

/** One named line or scatter series: the exact (x, y) values a chart is given. */
public record Series(String name, List<Point> points) {
    public record Point(double x, double y) {}

    public Series {
        points = List.copyOf(points);
    }
}
