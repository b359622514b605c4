package io.hebbscope.cli.sweep;

/**
 * One line of a sweep's results: a run and one of its layers at convergence. Alignments are the mean over the
 * run's last epoch of the analyzer's layer alignment, null when undefined at every step of it.
 */
public record SweepRow(String runId, SweepPoint point, String layer, Double gradient, Double signal, Double update,
                       Double validationLoss, Double validationAccuracy, boolean collapsed) {

    static final String CSV_HEADER = "run_id,model,rule,weight_decay,noise,learning_rate,seed,layer,alignment_gradient,"
        + "alignment_signal,alignment_update,validation_loss,validation_accuracy,collapsed";

    String csv() {
        return String.join(",", runId, point.model(), point.rule(), Double.toString(point.weightDecay()),
            Double.toString(point.noise()), Double.toString(point.learningRate()), Long.toString(point.seed()), layer,
            cell(gradient), cell(signal), cell(update), cell(validationLoss), cell(validationAccuracy), Boolean.toString(collapsed));
    }

    private static String cell(Double v) {
        return v == null ? "" : Double.toString(v);
    }
}
