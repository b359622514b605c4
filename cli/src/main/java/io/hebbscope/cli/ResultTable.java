package io.hebbscope.cli;

import io.hebbscope.schema.LayerAlignment;
import java.io.PrintWriter;
import java.util.Collection;
import java.util.Locale;

/** The final per-layer table of a run: alignment with the Hebbian term and neuron roles. */
final class ResultTable {
    private ResultTable() {}

    static void print(PrintWriter out, Collection<LayerAlignment> layers) {
        String header = String.format(Locale.ROOT, "%-8s %6s %9s %9s %9s %9s %8s %8s %8s",
            "layer", "step", "-∇W·H", "U·H", "-∇W·H~", "U·H~", "hebbian", "anti", "neutral");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (LayerAlignment a : layers) {
            out.println(String.format(Locale.ROOT, "%-8s %6d %9s %9s %9s %9s %8d %8d %8d",
                a.getLayer(), a.getStep(), ProgressDisplay.signed(a.getGradient()), ProgressDisplay.signed(a.getUpdate()),
                ProgressDisplay.signed(a.getGradientEwma()), ProgressDisplay.signed(a.getUpdateEwma()),
                a.getHebbianNeurons(), a.getAntiHebbianNeurons(), a.getNeutralNeurons()));
        }
        out.println("·H: cosine with the Hebbian term at the last step; ~: rolling (EWMA) value; hebbian / anti / neutral:");
        out.println("neurons whose rolling learning-signal alignment is above +T, below -T, or in between.");
    }
}
