package io.hebbscope.trainer;

import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.rules.UpdateRules;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every option of a training run: one model (MLP or transformer), one update rule, one task, regularizers and
 * noise. Build with {@link #builder()}; defaults follow the paper's SRE setup (32-128-128-32 tanh MLP,
 * 20,000 / 2,000 examples, batch 256, 50 epochs, SGD at lr 0.01, no decay, no noise). Invalid values throw an
 * {@link IllegalArgumentException} naming the option.
 *
 * @param runId              unique id of the run (default: a random UUID)
 * @param task               "sre" (student-teacher regression), "linear" (linear regression, Eq. 13) or
 *                           "cifar10" (SCE: CIFAR-10 classification from {@code dataDir})
 * @param model              "mlp" or "transformer" (SRE only; {@code widths} are then its MLP head's)
 * @param rule               "sgd", "adam" (coupled L2), "adamw" (decoupled), "dfa", "randomnn", "hebb"
 *                           (weight-normalized Hebbian) or "oja"
 * @param widths             MLP widths from input to output (default by task: sre 32-128-128-32, linear 32-1,
 *                           cifar10 3072-128-128-10); the SRE teacher uses the same
 * @param activation         hidden-layer activation (student and teacher); the output is linear
 * @param residual           skip connections on the hidden MLP blocks whose input and output widths match
 * @param batchNorm          batch norm between each hidden map and its activation
 * @param initScale          student init: W, b ~ U(+-initScale / sqrt(fan_in)) (transformer embeddings N(0, scale^2))
 * @param teacherInitScale   teacher init scale, same form
 * @param trainSize          training examples (default: 20,000; cifar10: 50,000)
 * @param validationSize     validation examples (default: 2,000; cifar10: 10,000)
 * @param batchSize          examples per step (the last batch of an epoch may be smaller)
 * @param epochs             passes over the training set; with {@code untilConverged}, the most passes
 * @param learningRate       constant learning rate
 * @param weightDecay        L2 weight decay gamma on the monitored W (and on biases and extras when
 *                           {@code decayBiases})
 * @param l1                 L1 penalty lambda on the monitored W: adds lambda sign(W) to the gradient
 * @param activationSparsity coefficient of the penalty on the mean |activation| of each hidden activation array
 * @param noiseSigma         std of the weight noise injected before each step (0: none)
 * @param gradientNoise      std of the Gaussian noise added to the gradient of each W every step (0: none)
 * @param adamBeta1          Adam's first-moment decay
 * @param adamBeta2          Adam's second-moment decay
 * @param adamEpsilon        Adam's epsilon
 * @param tau                RandomNN's target weight norm: a multiple of each weight matrix's initial norm when
 *                           {@code tauRelative} (default 1: the initial norm), else an absolute norm
 * @param clip               RandomNN's maximal update norm per weight matrix and step
 * @param labelNoise         std of the label noise of the linear task
 * @param dataDir            directory of the CIFAR-10 binary files (cifar10 only)
 * @param vocabSize          transformer vocabulary
 * @param sequenceLength     transformer tokens per example
 * @param embedDim           transformer token-embedding width
 * @param encoderLayers      transformer encoder layers
 * @param heads              transformer attention heads
 * @param feedForward        transformer feed-forward width
 * @param seed               seed of the student init, batch order, noise and the rules' fixed random parts
 * @param taskSeed           seed of the teacher and the data (default: equal to {@code seed})
 * @param dtype              FLOAT (default) or DOUBLE
 * @param decayBiases        whether the L2 decay also acts on biases and the other trained parameters (embeddings,
 *                           LayerNorm), as PyTorch's weight_decay does (default: true)
 * @param tauRelative        whether {@code tau} is a multiple of the initial weight norm (default: true)
 * @param untilConverged     train until the validation loss and the weight norms plateau ({@link Convergence}),
 *                           at most {@code epochs} epochs
 * @param patience           the plateau's window in epochs: the means of the last {@code patience} epochs and of
 *                           the {@code patience} before them are compared
 * @param convergenceTolerance the plateau's relative tolerance
 */
public record TrainerConfig(String runId, String task, String model, String rule, List<Integer> widths,
                            Activation activation, boolean residual, boolean batchNorm, double initScale,
                            double teacherInitScale, int trainSize, int validationSize, int batchSize, int epochs,
                            double learningRate, double weightDecay, double l1, double activationSparsity,
                            double noiseSigma, double gradientNoise, double adamBeta1, double adamBeta2,
                            double adamEpsilon, double tau, double clip, double labelNoise, Path dataDir,
                            int vocabSize, int sequenceLength, int embedDim, int encoderLayers, int heads,
                            int feedForward, long seed, long taskSeed, DataType dtype, boolean decayBiases,
                            boolean tauRelative, boolean untilConverged, int patience,
                            double convergenceTolerance) {

    public static final List<String> TASKS = List.of("sre", "linear", "cifar10");
    public static final List<String> MODELS = List.of("mlp", "transformer");
    public static final List<String> RULES = UpdateRules.NAMES;

    public TrainerConfig {
        widths = List.copyOf(widths);
        require(runId != null && !runId.isBlank(), "runId must not be blank");
        require(task != null && rule != null && model != null && activation != null && dtype != null, "null option");
        require(TASKS.contains(task), "task must be one of " + TASKS + ", not '" + task + "'");
        require(MODELS.contains(model), "model must be one of " + MODELS + ", not '" + model + "'");
        require(RULES.contains(rule), "rule must be one of " + RULES + ", not '" + rule + "'");
        require(widths.size() >= 2 && widths.stream().allMatch(w -> w > 0), "widths must be >= 2 positive numbers");
        require(dtype == DataType.FLOAT || dtype == DataType.DOUBLE, "dtype must be FLOAT or DOUBLE");
        require(initScale > 0 && teacherInitScale > 0, "init scales must be > 0");
        require(trainSize > 0 && validationSize > 0, "dataset sizes must be > 0");
        require(batchSize > 0 && epochs > 0, "batch size and epochs must be > 0");
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be > 0");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be >= 0");
        require(noiseSigma >= 0 && Double.isFinite(noiseSigma), "noise sigma must be >= 0");
        nonNegative(l1, "l1");
        nonNegative(activationSparsity, "activationSparsity");
        nonNegative(gradientNoise, "gradientNoise");
        nonNegative(labelNoise, "labelNoise");
        require(adamBeta1 >= 0 && adamBeta1 < 1, "adamBeta1 must be in [0, 1), got " + adamBeta1);
        require(adamBeta2 >= 0 && adamBeta2 < 1, "adamBeta2 must be in [0, 1), got " + adamBeta2);
        require(adamEpsilon > 0 && Double.isFinite(adamEpsilon), "adamEpsilon must be > 0, got " + adamEpsilon);
        require(tau > 0 && Double.isFinite(tau), "tau must be > 0, got " + tau);
        require(clip > 0 && Double.isFinite(clip), "clip must be > 0, got " + clip);
        require(patience >= 1, "patience must be >= 1, got " + patience);
        require(convergenceTolerance > 0 && Double.isFinite(convergenceTolerance),
                "convergenceTolerance must be > 0, got " + convergenceTolerance);
        require(vocabSize >= 2, "vocabSize must be >= 2, got " + vocabSize);
        require(sequenceLength >= 1 && embedDim >= 1 && encoderLayers >= 1 && heads >= 1 && feedForward >= 1,
                "sequenceLength, embedDim, encoderLayers, heads and feedForward must be >= 1");
        if ("transformer".equals(model)) {
            require("sre".equals(task), "model transformer needs task sre, not '" + task + "'");
            require(embedDim % heads == 0, "embedDim (" + embedDim + ") must be divisible by heads (" + heads + ")");
            require(widths.get(0) == embedDim, "widths of the transformer's head must start at embedDim "
                    + embedDim + ", not " + widths.get(0));
        }
        if ("cifar10".equals(task)) {
            require("mlp".equals(model), "task cifar10 needs model mlp, not '" + model + "'");
            require(dataDir != null, "dataDir must be set for task cifar10 (the directory of the CIFAR-10 binary files)");
            require(widths.get(0) == 3072 && widths.get(widths.size() - 1) == 10,
                    "widths for task cifar10 must start at 3072 and end at 10, not " + widthsString(widths));
        }
        if ("linear".equals(task)) {
            require("mlp".equals(model), "task linear needs model mlp, not '" + model + "'");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void nonNegative(double v, String name) {
        require(v >= 0 && Double.isFinite(v), name + " must be finite and >= 0, got " + v);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to derive a variant. */
    public Builder toBuilder() {
        return new Builder().runId(runId).task(task).model(model).rule(rule).widths(widths).activation(activation)
                .residual(residual).batchNorm(batchNorm).initScale(initScale).teacherInitScale(teacherInitScale)
                .trainSize(trainSize).validationSize(validationSize).batchSize(batchSize).epochs(epochs)
                .learningRate(learningRate).weightDecay(weightDecay).l1(l1).activationSparsity(activationSparsity)
                .noiseSigma(noiseSigma).gradientNoise(gradientNoise).adamBeta1(adamBeta1).adamBeta2(adamBeta2)
                .adamEpsilon(adamEpsilon).tau(tau).clip(clip).labelNoise(labelNoise).dataDir(dataDir)
                .vocabSize(vocabSize).sequenceLength(sequenceLength).embedDim(embedDim).encoderLayers(encoderLayers)
                .heads(heads).feedForward(feedForward).seed(seed).taskSeed(taskSeed).dtype(dtype).decayBiases(decayBiases)
                .tauRelative(tauRelative).untilConverged(untilConverged).patience(patience)
                .convergenceTolerance(convergenceTolerance);
    }

    /** Widths as "32-128-128-32". */
    public String widthsString() {
        return widthsString(widths);
    }

    private static String widthsString(List<Integer> widths) {
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
        m.put("model", model);
        m.put("rule", rule);
        m.put("widths", widthsString());
        m.put("activation", activation.id());
        m.put("residual", Boolean.toString(residual));
        m.put("batchNorm", Boolean.toString(batchNorm));
        m.put("initScale", Double.toString(initScale));
        m.put("teacherInitScale", Double.toString(teacherInitScale));
        m.put("trainSize", Integer.toString(trainSize));
        m.put("validationSize", Integer.toString(validationSize));
        m.put("batchSize", Integer.toString(batchSize));
        m.put("epochs", Integer.toString(epochs));
        if (untilConverged) {
            m.put("untilConverged", "true");
            m.put("patience", Integer.toString(patience));
            m.put("convergenceTolerance", Double.toString(convergenceTolerance));
        }
        m.put("learningRate", Double.toString(learningRate));
        m.put("weightDecay", Double.toString(weightDecay));
        m.put("decayBiases", Boolean.toString(decayBiases));
        m.put("l1", Double.toString(l1));
        m.put("activationSparsity", Double.toString(activationSparsity));
        m.put("noiseSigma", Double.toString(noiseSigma));
        m.put("gradientNoise", Double.toString(gradientNoise));
        m.put("adamBeta1", Double.toString(adamBeta1));
        m.put("adamBeta2", Double.toString(adamBeta2));
        m.put("adamEpsilon", Double.toString(adamEpsilon));
        m.put("tau", tauRelative ? tau + "x" : Double.toString(tau));
        m.put("clip", Double.toString(clip));
        m.put("labelNoise", Double.toString(labelNoise));
        m.put("dataDir", dataDir == null ? "" : dataDir.toString());
        if ("transformer".equals(model)) {
            m.put("vocabSize", Integer.toString(vocabSize));
            m.put("sequenceLength", Integer.toString(sequenceLength));
            m.put("embedDim", Integer.toString(embedDim));
            m.put("encoderLayers", Integer.toString(encoderLayers));
            m.put("heads", Integer.toString(heads));
            m.put("feedForward", Integer.toString(feedForward));
        }
        m.put("seed", Long.toString(seed));
        m.put("taskSeed", Long.toString(taskSeed));
        m.put("dtype", dtype.name().toLowerCase(Locale.ROOT));
        m.put("loss", "cifar10".equals(task) ? "cross-entropy-mean-over-batch" : "mse-mean-over-elements");
        m.put("init", "transformer".equals(model)
                ? "linear uniform(+-scale/sqrt(fan_in)), embedding normal(0, scale^2), layernorm (1, 0)"
                : "uniform(+-scale/sqrt(fan_in))");
        return m;
    }

    /**
     * The config {@link #toMap()} wrote (a RunStarted's config): what {@code train --resume} rebuilds the run from.
     * Entries it does not know (the publisher's, a producer's) are ignored; a missing or malformed one throws an
     * {@link IllegalArgumentException} naming it.
     */
    public static TrainerConfig fromMap(Map<String, String> m) {
        MapReader r = new MapReader(m);
        Builder b = builder().runId(r.string("runId")).task(r.string("task")).model(r.string("model"))
                .rule(r.string("rule")).activation(r.parse("activation", Activation::parse))
                .residual(r.bool("residual")).batchNorm(r.bool("batchNorm")).initScale(r.number("initScale"))
                .teacherInitScale(r.number("teacherInitScale")).trainSize(r.integer("trainSize"))
                .validationSize(r.integer("validationSize")).batchSize(r.integer("batchSize")).epochs(r.integer("epochs"))
                .learningRate(r.number("learningRate")).weightDecay(r.number("weightDecay"))
                .decayBiases(r.bool("decayBiases")).l1(r.number("l1")).activationSparsity(r.number("activationSparsity"))
                .noiseSigma(r.number("noiseSigma")).gradientNoise(r.number("gradientNoise"))
                .adamBeta1(r.number("adamBeta1")).adamBeta2(r.number("adamBeta2")).adamEpsilon(r.number("adamEpsilon"))
                .clip(r.number("clip")).labelNoise(r.number("labelNoise")).seed(r.parse("seed", Long::parseLong))
                .taskSeed(r.parse("taskSeed", Long::parseLong))
                .dtype(r.parse("dtype", v -> DataType.valueOf(v.toUpperCase(Locale.ROOT))));
        List<Integer> widths = r.parse("widths", v -> java.util.Arrays.stream(v.split("-")).map(Integer::valueOf).toList());
        b.widths(widths);
        String tau = r.string("tau");
        boolean relative = tau.endsWith("x");
        double tauValue = r.parse("tau", v -> Double.parseDouble(relative ? v.substring(0, v.length() - 1) : v));
        b.tau(tauValue).tauRelative(relative);
        String dataDir = r.string("dataDir");
        if (!dataDir.isEmpty()) {
            b.dataDir(Path.of(dataDir));
        }
        if (m.containsKey("untilConverged")) {
            b.untilConverged(r.bool("untilConverged")).patience(r.integer("patience"))
                    .convergenceTolerance(r.number("convergenceTolerance"));
        }
        if ("transformer".equals(m.get("model"))) {
            b.vocabSize(r.integer("vocabSize")).sequenceLength(r.integer("sequenceLength")).embedDim(r.integer("embedDim"))
                    .encoderLayers(r.integer("encoderLayers")).heads(r.integer("heads"))
                    .feedForward(r.integer("feedForward"));
        }
        return b.build();
    }

    /** Reads typed entries of a config map, naming the entry when it is missing or malformed. */
    private record MapReader(Map<String, String> m) {
        String string(String key) {
            String v = m.get(key);
            if (v == null) {
                throw new IllegalArgumentException("the run's config has no '" + key + "'");
            }
            return v;
        }

        <T> T parse(String key, java.util.function.Function<String, T> parser) {
            String v = string(key);
            try {
                return parser.apply(v.trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the run's config has " + key + " = '" + v + "', which is not valid");
            }
        }

        double number(String key) {
            return parse(key, Double::parseDouble);
        }

        int integer(String key) {
            return parse(key, Integer::parseInt);
        }

        boolean bool(String key) {
            return parse(key, v -> {
                if (!v.equals("true") && !v.equals("false")) {
                    throw new IllegalArgumentException(v);
                }
                return Boolean.parseBoolean(v);
            });
        }
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String runId;
        private String task = "sre";
        private String model = "mlp";
        private String rule = "sgd";
        private List<Integer> widths;
        private Activation activation = Activation.TANH;
        private boolean residual;
        private boolean batchNorm;
        private double initScale = 1.0;
        private double teacherInitScale = 1.0;
        private Integer trainSize;
        private Integer validationSize;
        private int batchSize = 256;
        private int epochs = 50;
        private double learningRate = 0.01;
        private double weightDecay = 0.0;
        private double l1 = 0.0;
        private double activationSparsity = 0.0;
        private double noiseSigma = 0.0;
        private double gradientNoise = 0.0;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private double adamEpsilon = 1e-8;
        private double tau = 1.0;
        private boolean tauRelative = true;
        private boolean decayBiases = true;
        private boolean untilConverged;
        private int patience = 10;
        private double convergenceTolerance = 0.01;
        private double clip = 0.1;
        private double labelNoise = 0.0;
        private Path dataDir;
        private int vocabSize = 16;
        private int sequenceLength = 32;
        private int embedDim = 32;
        private int encoderLayers = 2;
        private int heads = 4;
        private int feedForward = 32;
        private long seed = 0L;
        private Long taskSeed;
        private DataType dtype = DataType.FLOAT;

        private Builder() {}

        public Builder runId(String v) { runId = v; return this; }
        public Builder task(String v) { task = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder rule(String v) { rule = v; return this; }
        /** MLP widths; when never set they follow the task (see the record's docs). */
        public Builder widths(List<Integer> v) { widths = List.copyOf(v); return this; }
        public Builder widths(Integer... v) { widths = List.of(v); return this; }
        public Builder activation(Activation v) { activation = v; return this; }
        public Builder residual(boolean v) { residual = v; return this; }
        public Builder batchNorm(boolean v) { batchNorm = v; return this; }
        public Builder initScale(double v) { initScale = v; return this; }
        public Builder teacherInitScale(double v) { teacherInitScale = v; return this; }
        /** When never set it follows the task (cifar10: 50,000; otherwise 20,000). */
        public Builder trainSize(int v) { trainSize = v; return this; }
        /** When never set it follows the task (cifar10: 10,000; otherwise 2,000). */
        public Builder validationSize(int v) { validationSize = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder l1(double v) { l1 = v; return this; }
        public Builder activationSparsity(double v) { activationSparsity = v; return this; }
        public Builder noiseSigma(double v) { noiseSigma = v; return this; }
        public Builder gradientNoise(double v) { gradientNoise = v; return this; }
        public Builder adamBeta1(double v) { adamBeta1 = v; return this; }
        public Builder adamBeta2(double v) { adamBeta2 = v; return this; }
        public Builder adamEpsilon(double v) { adamEpsilon = v; return this; }
        /** RandomNN's τ value; its meaning (multiple or absolute) follows {@link #tauRelative}. */
        public Builder tau(double v) { tau = v; return this; }
        /** τ as a multiple of each weight matrix's initial norm. */
        public Builder tauMultiple(double v) { tau = v; tauRelative = true; return this; }
        /** τ as an absolute norm. */
        public Builder tauAbsolute(double v) { tau = v; tauRelative = false; return this; }
        public Builder tauRelative(boolean v) { tauRelative = v; return this; }
        public Builder decayBiases(boolean v) { decayBiases = v; return this; }
        public Builder untilConverged(boolean v) { untilConverged = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder convergenceTolerance(double v) { convergenceTolerance = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder labelNoise(double v) { labelNoise = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder sequenceLength(int v) { sequenceLength = v; return this; }
        public Builder embedDim(int v) { embedDim = v; return this; }
        public Builder encoderLayers(int v) { encoderLayers = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder feedForward(int v) { feedForward = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** The teacher/data seed; when never set it follows {@link #seed}. */
        public Builder taskSeed(long v) { taskSeed = v; return this; }
        public Builder dtype(DataType v) { dtype = v; return this; }

        public TrainerConfig build() {
            boolean cifar = "cifar10".equals(task);
            List<Integer> w = widths != null ? widths
                    : cifar ? List.of(3072, 128, 128, 10)
                    : "linear".equals(task) ? List.of(32, 1)
                    : List.of(32, 128, 128, 32);
            return new TrainerConfig(runId != null ? runId : UUID.randomUUID().toString(), task, model, rule, w,
                    activation, residual, batchNorm, initScale, teacherInitScale,
                    trainSize != null ? trainSize : cifar ? 50_000 : 20_000,
                    validationSize != null ? validationSize : cifar ? 10_000 : 2_000, batchSize, epochs,
                    learningRate, weightDecay, l1, activationSparsity, noiseSigma, gradientNoise, adamBeta1, adamBeta2,
                    adamEpsilon, tau, clip, labelNoise, dataDir, vocabSize, sequenceLength, embedDim, encoderLayers,
                    heads, feedForward, seed, taskSeed != null ? taskSeed : seed, dtype, decayBiases, tauRelative,
                    untilConverged, patience, convergenceTolerance);
        }
    }
}
