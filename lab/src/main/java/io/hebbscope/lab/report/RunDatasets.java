package io.hebbscope.lab.report;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Chart datasets from one run's log: every value plotted is a value read from the topics, unchanged. */
public final class RunDatasets {
    /** The three alignments the analyzer measures, in the order they are plotted. */
    public static final List<String> SIGNALS = List.of("gradient", "signal", "update");

    private RunDatasets() {}

    /** Layer names in layer order. */
    public static List<String> layers(RunLog run) {
        Map<Integer, String> byIndex = new TreeMap<>();
        run.layers().forEach(l -> byIndex.putIfAbsent(l.getLayerIndex(), l.getLayer()));
        return List.copyOf(byIndex.values());
    }

    /**
     * Layer alignment over steps, one series per signal (gradient, signal, update), x = step. Undefined steps (null:
     * a zero norm) are left out; a step seen twice keeps its last value.
     */
    public static List<Series> layerAlignment(RunLog run, String layer) {
        Map<Long, LayerAlignment> byStep = new TreeMap<>();
        run.layers().stream().filter(l -> l.getLayer().equals(layer)).forEach(l -> byStep.put(l.getStep(), l));
        List<Series> out = new ArrayList<>();
        for (String signal : SIGNALS) {
            Function<LayerAlignment, Double> get = getter(signal);
            List<Series.Point> points = new ArrayList<>();
            byStep.forEach((step, l) -> {
                Double v = get.apply(l);
                if (v != null) {
                    points.add(new Series.Point(step, v));
                }
            });
            out.add(new Series(signal, points));
        }
        return out;
    }

    /**
     * Per-neuron alignment of {@code signal} over steps (the paper's Figure 7). When the layer has more than
     * {@code maxSteps} steps, every k-th step is kept (k the smallest stride that fits), always starting at the first.
     */
    public static Heatmap neuronHeatmap(RunLog run, String layer, String signal, int maxSteps) {
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be >= 1");
        }
        Function<NeuronAlignment, Tensor> get = tensorGetter(signal);
        Map<Long, NeuronAlignment> byStep = new TreeMap<>();
        run.neurons().stream().filter(n -> n.getLayer().equals(layer)).forEach(n -> byStep.put(n.getStep(), n));
        List<NeuronAlignment> all = new ArrayList<>(byStep.values());
        int stride = (all.size() + maxSteps - 1) / Math.max(1, maxSteps);
        stride = Math.max(1, stride);
        List<NeuronAlignment> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i += stride) {
            kept.add(all.get(i));
        }
        int neurons = kept.isEmpty() ? 0 : get.apply(kept.get(0)).getRows();
        double[][] values = new double[neurons][kept.size()];
        List<Long> steps = new ArrayList<>();
        for (int k = 0; k < kept.size(); k++) {
            NeuronAlignment n = kept.get(k);
            double[] v = TensorCodec.decodeDoubles(get.apply(n));
            if (v.length != neurons) {
                throw new IllegalStateException("run " + run.runId() + " layer " + layer + " step " + n.getStep() + " has "
                    + v.length + " neurons, earlier steps " + neurons);
            }
            for (int i = 0; i < neurons; i++) {
                values[i][k] = v[i];
            }
            steps.add(n.getStep());
        }
        return new Heatmap(run.runId(), layer, signal, steps, values, cellWidth(steps));
    }

    /** The smallest gap between consecutive steps (1 with fewer than two steps). */
    static double cellWidth(List<Long> steps) {
        long min = Long.MAX_VALUE;
        for (int i = 1; i < steps.size(); i++) {
            min = Math.min(min, steps.get(i) - steps.get(i - 1));
        }
        return min == Long.MAX_VALUE || min <= 0 ? 1 : min;
    }

    /**
     * Validation loss against alignment (the paper's Figure 6) for one run: one point per epoch that has a
     * validation loss, x = mean of the layer's defined {@code signal}-alignment over that epoch's steps, y = the
     * validation loss at the end of that epoch. Epochs without a defined alignment are left out.
     */
    public static Series validationVsAlignment(RunLog run, String layer, String signal) {
        Function<LayerAlignment, Double> get = getter(signal);
        Map<Long, LayerAlignment> byStep = new TreeMap<>();
        run.layers().stream().filter(l -> l.getLayer().equals(layer)).forEach(l -> byStep.put(l.getStep(), l));
        Map<Integer, double[]> sumByEpoch = new TreeMap<>();
        for (LayerAlignment l : byStep.values()) {
            Double v = get.apply(l);
            if (v != null) {
                double[] s = sumByEpoch.computeIfAbsent(l.getEpoch(), e -> new double[2]);
                s[0] += v;
                s[1]++;
            }
        }
        Map<Integer, StepMetrics> lastValidation = new TreeMap<>();
        run.metrics().stream().filter(m -> m.getValidationLoss() != null)
            .sorted(Comparator.comparingLong(StepMetrics::getStep))
            .forEach(m -> lastValidation.put(m.getEpoch(), m));
        List<Series.Point> points = new ArrayList<>();
        lastValidation.forEach((epoch, m) -> {
            double[] s = sumByEpoch.get(epoch);
            if (s != null) {
                points.add(new Series.Point(s[0] / s[1], m.getValidationLoss()));
            }
        });
        return new Series(run.runId(), points);
    }

    static Function<LayerAlignment, Double> getter(String signal) {
        return switch (signal) {
            case "gradient" -> LayerAlignment::getGradient;
            case "signal" -> LayerAlignment::getSignal;
            case "update" -> LayerAlignment::getUpdate;
            default -> throw new IllegalArgumentException("signal must be gradient, signal or update: " + signal);
        };
    }

    static Function<NeuronAlignment, Tensor> tensorGetter(String signal) {
        return switch (signal) {
            case "gradient" -> NeuronAlignment::getGradient;
            case "signal" -> NeuronAlignment::getSignal;
            case "update" -> NeuronAlignment::getUpdate;
            default -> throw new IllegalArgumentException("signal must be gradient, signal or update: " + signal);
        };
    }
}
