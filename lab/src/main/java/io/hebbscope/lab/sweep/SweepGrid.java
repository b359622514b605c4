package io.hebbscope.lab.sweep;

import java.util.ArrayList;
import java.util.List;

/** The axes of a sweep; the grid is their product, in a stable order. */
public record SweepGrid(List<String> models, List<String> rules, List<Double> weightDecays, List<Double> noises,
                        List<Double> learningRates, List<Long> seeds) {

    public SweepGrid {
        models = List.copyOf(models);
        rules = List.copyOf(rules);
        weightDecays = List.copyOf(weightDecays);
        noises = List.copyOf(noises);
        learningRates = List.copyOf(learningRates);
        seeds = List.copyOf(seeds);
        for (List<?> axis : List.of(models, rules, weightDecays, noises, learningRates, seeds)) {
            if (axis.isEmpty()) {
                throw new IllegalArgumentException("every axis of the sweep needs at least one value");
            }
        }
    }

    public List<SweepPoint> points() {
        List<SweepPoint> out = new ArrayList<>();
        for (String model : models) {
            for (String rule : rules) {
                for (double lr : learningRates) {
                    for (double sigma : noises) {
                        for (double gamma : weightDecays) {
                            for (long seed : seeds) {
                                out.add(new SweepPoint(model, rule, gamma, sigma, lr, seed));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
