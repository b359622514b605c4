package io.hebbscope.lab.report;

import java.util.List;

/**
 * A series of means with error bars: at each x the mean and standard deviation of {@code n} values.
 * {@code gamma} is the real abscissa; {@code x} is where it is drawn (differs only for γ = 0 on a log axis).
 */
public record ErrorSeries(String name, List<Point> points) {
    public record Point(double gamma, double x, double mean, double std, int n) {}

    public ErrorSeries {
        points = List.copyOf(points);
    }
}
