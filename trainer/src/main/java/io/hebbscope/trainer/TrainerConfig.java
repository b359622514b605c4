package io.hebbscope.trainer;

import io.hebbscope.trainer.model.Activation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every option of a training run. Build with {@link #builder()}; defaults follow the paper's SRE setup
 * (32-128-128-32 tanh MLP, 20,000 / 2,000 examples, batch 256, 50 epochs, SGD at lr 0.01, no decay, no noise).
 *
 * @param runId            unique id of the run (default: a random UUID)
 * @param task             "sre" (student-teacher regression)
 * @param rule             "sgd"
 * @param widths           layer widths from input to output; the teacher uses the same
 * @param activation       hidden-layer activation (student and teacher); the output is linear
 * @param initScale        student init: W, b ~ U(+-initScale / sqrt(fan_in))
 * @param teacherInitScale teacher init scale, same form
 * @param trainSize        training examples
 * @param validationSize   validation examples
 * @param batchSize        examples per step (the last batch of an epoch may be smaller)
 * @param epochs           passes over the training set
 * @param learningRate     constant learning rate
 * @param weightDecay      L2 weight decay gamma on W (not on b)
 * @param noiseSigma       std of the weight noise injected before each step (0: none)
 * @param seed             seed of the student init, batch order and noise
 * @param taskSeed         seed of the teacher and the data (default: equal to {@code seed})
 * @param dtype            FLOAT (default) or DOUBLE
 */
public record TrainerConfig(String runId, String task, String rule, List<Integer> widths, Activation activation,
                            double initScale, double teacherInitScale, int trainSize, int validationSize,
                            int batchSize, int epochs, double learningRate, double weightDecay, double noiseSigma,
                            long seed, long taskSeed, DataType dtype) {

    public TrainerConfig {
        widths = List.copyOf(widths);
        require(runId != null && !runId.isBlank(), "runId must not be blank");
        require(widths.size() >= 2 && widths.stream().allMatch(w -> w > 0), "widths must be >= 2 positive numbers");
        require(task != null && rule != null && activation != null && dtype != null, "null option");
        require(dtype == DataType.FLOAT || dtype == DataType.DOUBLE, "dtype must be FLOAT or DOUBLE");
        require(initScale > 0 && teacherInitScale > 0, "init scales must be > 0");
        require(trainSize > 0 && validationSize > 0, "dataset sizes must be > 0");
        require(batchSize > 0 && epochs > 0, "batch size and epochs must be > 0");
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be > 0");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be >= 0");
        require(noiseSigma >= 0 && Double.isFinite(noiseSigma), "noise sigma must be >= 0");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to derive a variant. */
    public Builder toBuilder() {
        return new Builder().runId(runId).task(task).rule(rule).widths(widths).activation(activation)
                .initScale(initScale).teacherInitScale(teacherInitScale).trainSize(trainSize)
                .validationSize(validationSize).batchSize(batchSize).epochs(epochs).learningRate(learningRate)
                .weightDecay(weightDecay).noiseSigma(noiseSigma).seed(seed).taskSeed(taskSeed).dtype(dtype);
    }

    /** Widths as "32-128-128-32". */
    public String widthsString() {
        return widths.stream().map(String::valueOf).collect(Collectors.joining("-"));
    }

    /** Steps in one epoch: ceil(trainSize / batchSize). */
    public int stepsPerEpoch() {
        return (trainSize + batchSize - 1) / batchSize;
    }

    /** Every option as strings, in declaration order (for RunInfo.config). */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("runId", runId);
        m.put("task", task);
        m.put("model", "mlp");
        m.put("rule", rule);
        m.put("widths", widthsString());
        m.put("activation", activation.id());
        m.put("initScale", Double.toString(initScale));
        m.put("teacherInitScale", Double.toString(teacherInitScale));
        m.put("trainSize", Integer.toString(trainSize));
        m.put("validationSize", Integer.toString(validationSize));
        m.put("batchSize", Integer.toString(batchSize));
        m.put("epochs", Integer.toString(epochs));
        m.put("learningRate", Double.toString(learningRate));
        m.put("weightDecay", Double.toString(weightDecay));
        m.put("noiseSigma", Double.toString(noiseSigma));
        m.put("seed", Long.toString(seed));
        m.put("taskSeed", Long.toString(taskSeed));
        m.put("dtype", dtype.name().toLowerCase(Locale.ROOT));
        m.put("loss", "mse-mean-over-elements");
        m.put("init", "uniform(+-scale/sqrt(fan_in))");
        return m;
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String runId;
        private String task = "sre";
        private String rule = "sgd";
        private List<Integer> widths = List.of(32, 128, 128, 32);
        private Activation activation = Activation.TANH;
        private double initScale = 1.0;
        private double teacherInitScale = 1.0;
        private int trainSize = 20_000;
        private int validationSize = 2_000;
        private int batchSize = 256;
        private int epochs = 50;
        private double learningRate = 0.01;
        private double weightDecay = 0.0;
        private double noiseSigma = 0.0;
        private long seed = 0L;
        private Long taskSeed;
        private DataType dtype = DataType.FLOAT;

        private Builder() {}

        public Builder runId(String v) { runId = v; return this; }
        public Builder task(String v) { task = v; return this; }
        public Builder rule(String v) { rule = v; return this; }
        public Builder widths(List<Integer> v) { widths = List.copyOf(v); return this; }
        public Builder widths(Integer... v) { widths = List.of(v); return this; }
        public Builder activation(Activation v) { activation = v; return this; }
        public Builder initScale(double v) { initScale = v; return this; }
        public Builder teacherInitScale(double v) { teacherInitScale = v; return this; }
        public Builder trainSize(int v) { trainSize = v; return this; }
        public Builder validationSize(int v) { validationSize = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder noiseSigma(double v) { noiseSigma = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** The teacher/data seed; when never set it follows {@link #seed}. */
        public Builder taskSeed(long v) { taskSeed = v; return this; }
        public Builder dtype(DataType v) { dtype = v; return this; }

        public TrainerConfig build() {
            return new TrainerConfig(runId != null ? runId : UUID.randomUUID().toString(), task, rule, widths,
                    activation, initScale, teacherInitScale, trainSize, validationSize, batchSize, epochs,
                    learningRate, weightDecay, noiseSigma, seed, taskSeed != null ? taskSeed : seed, dtype);
        }
    }
}
