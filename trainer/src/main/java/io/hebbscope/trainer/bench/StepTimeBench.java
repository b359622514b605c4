package io.hebbscope.trainer.bench;

import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Prints wall-clock ms per training step of the SRE MLP 32-128-128-32 at batch 256: (a) training alone,
 * (b) with the probe on every step (a listener that wants the terms and drops them). A later variant adds
 * (c) with publishing by passing its listener to {@link #measure}. Numbers only, no assertions.
 * Args: [measuredSteps=1500] [warmupSteps=300]. Run with OMP_NUM_THREADS set for steady numbers.
 */
public final class StepTimeBench {

    /** Summary of per-step wall times after warm-up, in milliseconds. */
    public record Stats(String label, int steps, double medianMs, double meanMs, double p90Ms) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-34s steps=%5d  median=%7.3f ms  mean=%7.3f ms  p90=%7.3f ms",
                    label, steps, medianMs, meanMs, p90Ms);
        }
    }

    public static void main(String[] args) {
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : 1500;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        TrainerConfig base = TrainerConfig.builder().runId("bench").seed(1).build();
        System.out.printf(Locale.ROOT, "SRE MLP %s, batch %d, %s, OMP_NUM_THREADS=%s%n", base.widthsString(),
                base.batchSize(), base.dtype(), System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        System.out.println(measure("(a) training alone", base, warmup, measured, false, List.of()));
        System.out.println(measure("(b) training + probe every step", base, warmup, measured, true, List.of()));
    }

    /**
     * Trains {@code warmup + measured} steps of {@code base} (epochs adjusted) and times the interval between
     * consecutive onStep calls after warm-up; validation at epoch ends is included, as in real training.
     *
     * @param wantTerms whether the timing listener asks for the probe's terms on every step
     * @param extra     further listeners to include in the measurement (e.g. a publisher)
     */
    public static Stats measure(String label, TrainerConfig base, int warmup, int measured, boolean wantTerms,
                                List<TrainingListener> extra) {
        int total = warmup + measured;
        int epochs = (total + base.stepsPerEpoch() - 1) / base.stepsPerEpoch();
        TrainerConfig config = base.toBuilder().epochs(epochs).build();
        double[] intervals = new double[total];
        TrainingListener timer = new TrainingListener() {
            private long last = System.nanoTime();

            @Override
            public boolean wantsTerms(long step) {
                return wantTerms;
            }

            @Override
            public void onStep(StepRecord step) {
                long now = System.nanoTime();
                if (step.step() < total) {
                    intervals[(int) step.step()] = (now - last) / 1e6;
                }
                last = now;
            }
        };
        List<TrainingListener> listeners = new ArrayList<>(extra);
        listeners.add(timer);
        new Trainer(config).run(listeners);
        double[] kept = Arrays.copyOfRange(intervals, warmup, total);
        double[] sorted = kept.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(kept).average().orElse(Double.NaN);
        return new Stats(label, kept.length, sorted[sorted.length / 2], mean,
                sorted[(int) Math.min(sorted.length - 1, Math.round(0.9 * (sorted.length - 1)))]);
    }
}
