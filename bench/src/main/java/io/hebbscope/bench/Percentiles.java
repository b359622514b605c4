package io.hebbscope.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of a sample. */
final class Percentiles {
    private final double[] sorted;

    Percentiles(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        sorted = values.clone();
        Arrays.sort(sorted);
    }

    /** The smallest value with at least {@code p} of the sample at or below it, p in (0, 1]. */
    double at(double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double max() {
        return sorted[sorted.length - 1];
    }

    int size() {
        return sorted.length;
    }
}
