package io.hebbscope.trainer;

import io.hebbscope.trainer.model.Broadcast;
import io.hebbscope.trainer.model.Model;
import io.hebbscope.trainer.model.Models;
import io.hebbscope.trainer.probe.Probe;
import io.hebbscope.trainer.rules.UpdateRule;
import io.hebbscope.trainer.rules.UpdateRules;
import io.hebbscope.trainer.rules.WeightNoise;
import io.hebbscope.trainer.tasks.BatchOrder;
import io.hebbscope.trainer.tasks.Datasets;
import io.hebbscope.trainer.tasks.Task;
import io.hebbscope.trainer.tasks.Tasks;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a training run on the calling thread: epochs of shuffled batches, one {@link TrainingStep} each, and
 * reports to listeners. Each step's scratch (batch, activations, probe terms) lives in a per-step
 * {@link MemoryWorkspace}, which keeps native memory flat; listeners must copy what they keep beyond onStep.
 * A trainer runs once.
 */
public final class Trainer {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);
    private static final String WORKSPACE_ID = "hebbscope-step";

    /** Learns its size over the first steps and grows when a bigger step (validation, probe) spills. */
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.25)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyMirroring(MirroringPolicy.FULL)
            .build();

    private final TrainerConfig config;
    private final Task task;
    private final Model model;
    private final UpdateRule rule;
    private final WeightNoise noise;
    private final Probe probe;
    private final BatchOrder batches;
    private final TrainingStep trainingStep;
    private final RunInfo runInfo;
    private boolean ran;
    private boolean converged;
    /** Set by {@link #resumeFrom}: the run continues after this checkpoint's step. */
    private Checkpoint resumed;
    // What the loop carries from step to step (fields, so that a checkpoint can take them).
    private double lastLoss = Double.NaN;
    private Double lastValidation;
    private Double lastAccuracy;
    private Convergence convergence;

    /**
     * A trainer for {@code config}: builds its task, student, rule and noise from the config's seeds. A task
     * that cannot load its data (a missing CIFAR-10 file) throws an {@link IllegalArgumentException} naming it.
     */
    public Trainer(TrainerConfig config) {
        this(config, Tasks.create(config),
                Models.create(config, config.initScale(), Seeds.derive(config.seed(), "student-init")),
                UpdateRules.create(config));
    }

    /**
     * A trainer with custom parts (tests, new tasks or rules); batch size, epochs, learning rate, noise, the
     * activation-sparsity penalty and seeds still come from {@code config}.
     */
    public Trainer(TrainerConfig config, Task task, Model model, UpdateRule rule) {
        this.config = config;
        this.task = task;
        this.model = model;
        this.rule = rule;
        this.noise = new WeightNoise(config.noiseSigma(), Seeds.derive(config.seed(), "weight-noise"));
        this.probe = new Probe(Probe.layersOf(model));
        this.batches = new BatchOrder(task.trainSize(), config.batchSize(), Seeds.derive(config.seed(), "batches"));
        this.trainingStep = new TrainingStep(model, task.loss(), rule, noise, probe, config.activationSparsity());
        this.runInfo = new RunInfo(config.runId(), config.seed(), task.name(), model.kind(), rule.name(), config.toMap(),
                probe.layers(), batches.batchesPerEpoch(), (long) batches.batchesPerEpoch() * config.epochs());
    }

    public TrainerConfig config() { return config; }

    public RunInfo runInfo() { return runInfo; }

    public Task task() { return task; }

    /** The live student (its arrays change while training). */
    public Model model() { return model; }

    /** Detached copies of the student's current weights W_l, forward order. */
    public List<INDArray> weights() { return model.copyWeights(); }

    /** Detached copies of the student's current biases b_l, forward order. */
    public List<INDArray> biases() { return model.copyBiases(); }

    /**
     * Whether the run stopped because it converged ({@link TrainerConfig#untilConverged()}); false for a run of a
     * fixed number of epochs, one that hit its epoch limit, or before {@link #run}.
     */
    public boolean converged() {
        return converged;
    }

    public RunSummary run(TrainingListener... listeners) {
        return run(Arrays.asList(listeners));
    }

    /**
     * Trains for the configured epochs (with {@code untilConverged}: until the validation loss and the weight norms
     * plateau, see {@link Convergence}, at most that many), calling onRunStart (onRunResume after {@link #resumeFrom},
     * from the checkpoint's next step), onStep after every update, onCheckpoint after the steps a listener wants a
     * checkpoint of, and onRunEnd. Stops
     * early with status "diverged" when a batch loss is not finite (that step is not applied nor reported) and
     * "interrupted" when the thread's interrupt flag is set (the flag is left set). An exception thrown by a
     * listener propagates and skips onRunEnd.
     */
    @SuppressWarnings("try") // the workspace scope only redirects allocations
    public RunSummary run(List<? extends TrainingListener> listeners) {
        if (ran) {
            throw new IllegalStateException("a Trainer runs once; create a new one");
        }
        ran = true;
        List<TrainingListener> ls = List.copyOf(listeners);
        int perEpoch = batches.batchesPerEpoch();
        long step = resumed == null ? 0 : resumed.step() + 1;
        int firstEpoch = resumed == null ? 0 : resumed.nextEpoch();
        int firstBatch = resumed == null ? 0 : resumed.nextBatch();
        if (resumed == null) {
            log.debug("run {} starting: {}", runInfo.runId(), runInfo.config());
            convergence = config.untilConverged() ? new Convergence(config.patience(), config.convergenceTolerance()) : null;
            for (TrainingListener l : ls) {
                l.onRunStart(runInfo);
            }
        } else {
            log.debug("run {} resuming at step {} (epoch {}, batch {})", runInfo.runId(), step, firstEpoch, firstBatch);
            for (TrainingListener l : ls) {
                l.onRunResume(runInfo, step);
            }
        }
        String status = "completed";
        try {
            epochs:
            for (int epoch = firstEpoch; epoch < config.epochs() && !converged; epoch++) {
                int[] order = batches.permutation(epoch);
                for (int b = epoch == firstEpoch ? firstBatch : 0; b < perEpoch; b++) {
                    if (Thread.currentThread().isInterrupted()) {
                        status = "interrupted";
                        break epochs;
                    }
                    try (MemoryWorkspace ignored =
                                 Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, WORKSPACE_ID)) {
                        boolean want = wantsTerms(ls, step);
                        int[] rows = batches.batch(order, b);
                        INDArray x = Nd4j.pullRows(task.trainInputs(), 1, rows);
                        INDArray y = Nd4j.pullRows(task.trainTargets(), 1, rows);
                        TrainingStep.Outcome outcome = trainingStep.run(step, config.learningRate(), x, y, want,
                                want && wantsHebbian(ls, step));
                        lastLoss = outcome.loss();
                        if (!outcome.applied()) {
                            status = "diverged";
                            log.warn("run {} diverged at step {}: loss {}", runInfo.runId(), step, lastLoss);
                            break epochs;
                        }
                        Double validation = null;
                        Double accuracy = null;
                        if (b == perEpoch - 1) {
                            Validation v = validate();
                            validation = v.loss();
                            accuracy = v.accuracy();
                            lastValidation = validation;
                            lastAccuracy = accuracy;
                        }
                        double[] norms = weightNorms();
                        StepRecord record = new StepRecord(step, epoch, outcome.loss(), validation,
                                config.learningRate(), norms, outcome.terms(), accuracy);
                        for (TrainingListener l : ls) {
                            l.onStep(record);
                        }
                        if (convergence != null && validation != null && convergence.observe(validation, norms)) {
                            converged = true;
                        }
                        checkpointIfWanted(ls, step, b + 1 < perEpoch ? epoch : epoch + 1, b + 1 < perEpoch ? b + 1 : 0);
                    }
                    step++;
                }
                if (converged) {
                    log.debug("run {} converged after {} epochs", runInfo.runId(), epoch + 1);
                }
            }
        } finally {
            // Frees the step workspace's native memory; the next run on this thread makes a new one.
            if (Nd4j.getWorkspaceManager().checkIfWorkspaceExists(WORKSPACE_ID)) {
                Nd4j.getWorkspaceManager().destroyWorkspace(
                        Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(WORKSPACE_ID));
            }
        }
        RunSummary summary = new RunSummary(runInfo.runId(), step, lastLoss, lastValidation, status, lastAccuracy);
        log.debug("run {} ended: {}", runInfo.runId(), summary);
        for (TrainingListener l : ls) {
            l.onRunEnd(summary);
        }
        return summary;
    }

    /** Hands a checkpoint of the state after {@code step} to the listeners that want one. */
    private void checkpointIfWanted(List<TrainingListener> listeners, long step, int nextEpoch, int nextBatch) {
        Checkpoint checkpoint = null;
        for (TrainingListener l : listeners) {
            if (l.wantsCheckpoint(step)) {
                if (checkpoint == null) {
                    checkpoint = checkpoint(step, nextEpoch, nextBatch);
                }
                l.onCheckpoint(checkpoint);
            }
        }
    }

    /**
     * The trainer's whole state after the update of {@code step}, whose successor is batch {@code nextBatch} of epoch
     * {@code nextEpoch}: the model's arrays by name ({@code <layer>.weight}, {@code <layer>.bias}, {@code extra.<i>},
     * {@code buffer.<i>}), the rule's state, the weight noise's random stream, the convergence history and what the
     * run summary reports (the last losses). Detached copies.
     */
    Checkpoint checkpoint(long step, int nextEpoch, int nextBatch) {
        Checkpoint c = new Checkpoint(runInfo.runId(), step, nextEpoch, nextBatch);
        List<LayerInfo> layers = model.layers();
        for (int l = 0; l < layers.size(); l++) {
            c.putParameter(layers.get(l).name() + ".weight", model.weight(l));
            c.putParameter(layers.get(l).name() + ".bias", model.bias(l));
        }
        for (int i = 0; i < model.extras().size(); i++) {
            c.putParameter("extra." + i, model.extras().get(i));
        }
        for (int i = 0; i < model.buffers().size(); i++) {
            c.putParameter("buffer." + i, model.buffers().get(i));
        }
        rule.saveState(c);
        noise.saveState(c);
        if (convergence != null && convergence.epochs() > 0) {
            c.putOptimizer("trainer.convergence", Nd4j.create(convergence.history()).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        }
        c.putScalar("trainer.lastTrainLoss", lastLoss);
        if (lastValidation != null) {
            c.putScalar("trainer.lastValidationLoss", lastValidation);
        }
        if (lastAccuracy != null) {
            c.putScalar("trainer.lastValidationAccuracy", lastAccuracy);
        }
        c.putScalar("trainer.converged", converged ? 1 : 0);
        return c;
    }

    /**
     * Makes this trainer, built from the run's config, continue the run after {@code checkpoint}'s step: restores the
     * model's arrays, the rule's state, the random streams and the loop's position. {@link #run} then starts at the
     * checkpoint's step + 1 and calls {@link TrainingListener#onRunResume} instead of onRunStart. Call before run.
     * Throws IllegalStateException when the checkpoint does not fit this trainer (another run, another model).
     */
    public Trainer resumeFrom(Checkpoint checkpoint) {
        if (ran || resumed != null) {
            throw new IllegalStateException("resumeFrom must be called once, before run");
        }
        if (!checkpoint.runId().equals(runInfo.runId())) {
            throw new IllegalStateException("the checkpoint is of run " + checkpoint.runId() + ", not " + runInfo.runId());
        }
        int perEpoch = batches.batchesPerEpoch();
        if (checkpoint.nextBatch() >= perEpoch
                || checkpoint.step() + 1 != (long) checkpoint.nextEpoch() * perEpoch + checkpoint.nextBatch()) {
            throw new IllegalStateException("the checkpoint after step " + checkpoint.step() + " says epoch "
                    + checkpoint.nextEpoch() + " batch " + checkpoint.nextBatch() + " comes next, which does not fit "
                    + perEpoch + " steps per epoch");
        }
        List<LayerInfo> layers = model.layers();
        for (int l = 0; l < layers.size(); l++) {
            checkpoint.restoreParameter(layers.get(l).name() + ".weight", model.weight(l));
            checkpoint.restoreParameter(layers.get(l).name() + ".bias", model.bias(l));
        }
        for (int i = 0; i < model.extras().size(); i++) {
            checkpoint.restoreParameter("extra." + i, model.extras().get(i));
        }
        for (int i = 0; i < model.buffers().size(); i++) {
            checkpoint.restoreParameter("buffer." + i, model.buffers().get(i));
        }
        rule.restoreState(checkpoint);
        noise.restoreState(checkpoint);
        if (config.untilConverged()) {
            convergence = new Convergence(config.patience(), config.convergenceTolerance());
            INDArray history = checkpoint.optimizer().get("trainer.convergence");
            if (history != null) {
                convergence.restore(history.toDoubleMatrix());
            }
        }
        lastLoss = checkpoint.scalar("trainer.lastTrainLoss");
        lastValidation = checkpoint.scalars().get("trainer.lastValidationLoss");
        lastAccuracy = checkpoint.scalars().get("trainer.lastValidationAccuracy");
        converged = checkpoint.scalar("trainer.converged") != 0;
        resumed = checkpoint;
        return this;
    }

    /** The checkpoint this trainer continues from, or null for a run from step 0. */
    public Checkpoint resumedFrom() {
        return resumed;
    }

    /** Whether a listener that wants the terms of {@code step} needs H computed among them. */
    private static boolean wantsHebbian(List<TrainingListener> listeners, long step) {
        for (TrainingListener l : listeners) {
            if (l.wantsTerms(step) && l.wantsHebbian(step)) {
                return true;
            }
        }
        return false;
    }

    private static boolean wantsTerms(List<TrainingListener> listeners, long step) {
        for (TrainingListener l : listeners) {
            if (l.wantsTerms(step)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The validation losses of the two trivial predictors a collapsed model falls back to: predicting the mean
     * training target for every example ({@link io.hebbscope.trainer.tasks.Loss#constantPrediction}; for
     * classification the class frequencies), and predicting an output of zeros.
     */
    public record Baselines(double mean, double zero) {
        /** The better (lower) of the two. */
        public double best() {
            return Math.min(mean, zero);
        }
    }

    /** The trivial baselines of this run's task (independent of the student). */
    @SuppressWarnings("try")
    public Baselines baselines() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray targets = task.validationTargets();
            INDArray mean = task.loss().constantPrediction(task.trainTargets().mean(true, 0));
            INDArray constant = Broadcast.addiRow(Nd4j.zeros(targets.dataType(), targets.shape()), mean);
            return new Baselines(task.loss().value(constant, targets),
                    task.loss().value(Nd4j.zeros(targets.dataType(), targets.shape()), targets));
        }
    }

    /** Loss of the current student on the whole validation set (scratch in the current workspace, if any). */
    public double validationLoss() {
        return validate().loss();
    }

    /** Validation loss, and accuracy (fraction correct) for tasks with classes, else null. */
    public record Validation(double loss, Double accuracy) {}

    /** Evaluates the current student (evaluation mode) on the whole validation set. */
    public Validation validate() {
        INDArray out = Datasets.predict(model, task.validationInputs());
        double loss = task.loss().value(out, task.validationTargets());
        Double accuracy = task.hasAccuracy()
                ? (double) task.correct(out, task.validationTargets()) / out.size(0) : null;
        return new Validation(loss, accuracy);
    }

    private double[] weightNorms() {
        double[] norms = new double[model.layerCount()];
        for (int l = 0; l < norms.length; l++) {
            norms[l] = model.weight(l).norm2Number().doubleValue();
        }
        return norms;
    }
}
