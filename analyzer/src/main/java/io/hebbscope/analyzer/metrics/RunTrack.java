package io.hebbscope.analyzer.metrics;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** What the metrics remember of a run besides its series (kept by {@link SeriesLifecycle}). */
final class RunTrack {
    /** Per layer, how many recent steps keep their publish time (to place phase annotations at the trained step). */
    static final int STEP_TIMES_KEPT = 10_000;

    volatile long lastUpdateMs;
    volatile boolean finished;
    /** This instance analyzed the run's RunStarted (it owns the run's partition of the runs topic). */
    volatile boolean started;
    volatile long trainedStep = -1;
    volatile List<String> layerNames;
    /** The label values of the run's {@code hebbscope_run_info} series, null before its RunStarted. */
    String[] info;
    /** The run's current {@code hebbscope_run_status} label, null before its first status. */
    String status;
    final Map<String, Layer> layers = new ConcurrentHashMap<>();

    Layer layer(String name) {
        return layers.computeIfAbsent(name, k -> new Layer());
    }

    /** What the metrics remember of one layer of a run. */
    static final class Layer {
        volatile long analyzedStep = -1;
        /** Sign of each neuron's last defined per-step signal alignment (-1, 0, 1), null before the first step. */
        private byte[] signs;
        private final TreeMap<Long, Long> stepTimes = new TreeMap<>();
        /** The layer's per-neuron data points, looked up once (the stream thread's only). */
        volatile NeuronAlignmentMetrics.LayerSeries neuronSeries;

        /**
         * Records an analyzed step (its publish time when known, {@code publishedAtMs} > 0) and returns how many
         * neurons' learning-signal alignment changed sign since their previous defined step.
         */
        synchronized int analyzed(long step, long publishedAtMs, double[] alignment, boolean[] defined) {
            int flips = signFlips(alignment, defined);
            analyzedStep = step;
            if (publishedAtMs > 0) {
                stepTimes.put(step, publishedAtMs);
                if (stepTimes.size() > STEP_TIMES_KEPT) {
                    stepTimes.pollFirstEntry();
                }
            }
            return flips;
        }

        /** When the nearest analyzed step at or before {@code step} (else after it) was published; -1 when none. */
        synchronized long publishedAt(long step) {
            Map.Entry<Long, Long> e = stepTimes.floorEntry(step);
            if (e == null) {
                e = stepTimes.ceilingEntry(step);
            }
            return e == null ? -1 : e.getValue();
        }

        private int signFlips(double[] alignment, boolean[] defined) {
            if (signs == null || signs.length != alignment.length) {
                signs = new byte[alignment.length];
            }
            int flips = 0;
            for (int i = 0; i < alignment.length; i++) {
                if (!defined[i]) {
                    continue;
                }
                byte sign = (byte) Math.signum(alignment[i]);
                if (sign != 0 && signs[i] != 0 && sign != signs[i]) {
                    flips++;
                }
                if (sign != 0) {
                    signs[i] = sign;
                }
            }
            return flips;
        }
    }
}
