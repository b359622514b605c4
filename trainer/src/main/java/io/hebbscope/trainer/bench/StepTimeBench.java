package io.hebbscope.trainer.bench;

import io.hebbscope.trainer.JavaCppSettings;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Prints wall-clock ms per training step at batch 256: (a) training alone, (b) with the probe on every step (a
 * listener that wants the terms and drops them), for the SRE MLP 32-128-128-32 ("mlp"), for every update rule on
 * it ("rules") and for the paper's transformer ("transformer"), or all of them ("all"). A publishing variant passes
 * its listener to {@link #measure}. Numbers only, no assertions.
 * Args: [measuredSteps=1500] [warmupSteps=300] [mlp|rules|transformer|all]. Run with OMP_NUM_THREADS set.
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
        JavaCppSettings.apply();
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : 1500;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        String what = args.length > 2 ? args[2] : "mlp";
        TrainerConfig base = TrainerConfig.builder().runId("bench").seed(1).build();
        System.out.printf(Locale.ROOT, "batch %d, %s, OMP_NUM_THREADS=%s%n", base.batchSize(), base.dtype(),
                System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        if (what.equals("mlp") || what.equals("all")) {
            System.out.println("SRE MLP " + base.widthsString());
            System.out.println(measure("(a) training alone", base, warmup, measured, false, List.of()));
            System.out.println(measure("(b) training + probe every step", base, warmup, measured, true, List.of()));
        }
        if (what.equals("rules") || what.equals("all")) {
            System.out.println("SRE MLP " + base.widthsString() + ", each rule, probe every step");
            for (String rule : io.hebbscope.trainer.rules.UpdateRules.NAMES) {
                System.out.println(measure(rule, base.toBuilder().rule(rule).build(), warmup, measured, true, List.of()));
            }
        }
        if (what.equals("transformer") || what.equals("all")) {
            TrainerConfig t = base.toBuilder().model("transformer").trainSize(2_048).validationSize(512).build();
            System.out.println("SRE transformer (paper sizes), head " + t.widthsString());
            System.out.println(measure("(a) sgd, training alone", t, warmup, measured, false, List.of()));
            System.out.println(measure("(b) sgd, probe every step", t, warmup, measured, true, List.of()));
            System.out.println(measure("(b) adam, probe every step", t.toBuilder().rule("adam").build(), warmup,
                    measured, true, List.of()));
            System.out.println(measure("(b) dfa, probe every step", t.toBuilder().rule("dfa").build(), warmup,
                    measured, true, List.of()));
        }
        if (what.equals("cifar")) {
            System.out.println("(SCE needs --data-dir files; not measured here)");
        }
    }

    /**
     * Trains {@code warmup + measured} steps of {@code base} (epochs adjusted) and times the interval between
     * consecutive onStep calls after warm-up; validation at epoch ends is included, as in real training.
     *
     * @param wantTerms whether the timing listener asks for the probe's terms on every step (H among them only
     *                  when there is no {@code extra} listener)
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

            /**
             * Alone, the timer stands for a listener that wants every term, H included; beside other listeners (a
             * publisher) it is only a clock, and the training thread computes H only if they ask for it.
             */
            @Override
            public boolean wantsHebbian(long step) {
                return extra.isEmpty();
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
