package io.hebbscope.analyzer.alignment;

/**
 * Neuron roles by a threshold on the rolling alignment: Hebbian above +threshold, anti-Hebbian below
 * -threshold, neutral in between; neurons without any defined value yet are undefined.
 */
public record Roles(int hebbian, int antiHebbian, int neutral, int undefined) {

    public static Roles of(double[] rolling, double threshold) {
        int heb = 0;
        int anti = 0;
        int neutral = 0;
        int undefined = 0;
        for (double a : rolling) {
            if (Double.isNaN(a)) {
                undefined++;
            } else if (a > threshold) {
                heb++;
            } else if (a < -threshold) {
                anti++;
            } else {
                neutral++;
            }
        }
        return new Roles(heb, anti, neutral, undefined);
    }
}
