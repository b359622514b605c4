package io.hebbscope.trainer.bench;

import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How fast the publisher alone moves a run's events to Kafka, training taken out: one real step of {@code config}
 * gives real terms, then a real {@link EventPublisher} is fed that step's terms as steps 0, 1, ... as fast as it
 * takes them, and the time runs until every record is acknowledged. For comparison with Kafka's ProducerPerformance
 * at {@link Result#meanLayerStepBytes()} and {@link EventPublisher#producerProps}.
 */
public final class PublisherThroughput {

    /**
     * Everything acknowledged (RunStarted, StepMetrics, LayerSteps, RunFinished) over the whole publishing time; MB are
     * 10^6 bytes of record values. {@code meanLayerStepBytes} is the mean value size of the LayerStep records alone,
     * {@code bytes / records} that of all records (the small StepMetrics included).
     */
    public record Result(long records, long bytes, double seconds, double recordsPerSecond, double megabytesPerSecond,
                         double meanLayerStepBytes) {
        public double meanRecordBytes() {
            return records == 0 ? 0 : (double) bytes / records;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                "%d records, %.1f MB in %.2f s: %.0f records/s, %.1f MB/s; mean value %.0f bytes, LayerStep %.0f bytes",
                records, bytes / 1e6, seconds, recordsPerSecond, megabytesPerSecond, meanRecordBytes(), meanLayerStepBytes);
        }
    }

    private PublisherThroughput() {}

    /**
     * Publishes {@code steps} steps of {@code config}'s model under {@code policy} to {@code topics} (which must exist)
     * with {@link EventPublisher}'s default queue; returns once all are acknowledged.
     */
    public static Result measure(Properties clientProps, Topics topics, TrainerConfig config, PublishPolicy policy,
                                 int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        OneStep one = trainOneStep(config);
        RunInfo run = new RunInfo(config.runId(), config.seed(), one.info.task(), one.info.model(), one.info.rule(),
            config.toMap(), one.info.layers(), config.stepsPerEpoch(), steps);
        try (EventPublisher publisher = new EventPublisher(clientProps, topics, policy)) {
            long start = System.nanoTime();
            publisher.onRunStart(run);
            for (long s = 0; s < steps; s++) {
                publisher.onStep(new StepRecord(s, (int) (s / config.stepsPerEpoch()), one.trainLoss, null,
                    one.learningRate, one.weightNorms, one.terms));
            }
            publisher.onRunEnd(new RunSummary(config.runId(), steps, one.trainLoss, null, "completed"));
            double seconds = (System.nanoTime() - start) / 1e9;
            long records = publisher.recordsSent();
            long bytes = publisher.bytesSent();
            long layerSteps = publisher.layerStepsSent();
            return new Result(records, bytes, seconds, records / seconds, bytes / 1e6 / seconds,
                layerSteps == 0 ? 0 : (double) publisher.layerStepBytesSent() / layerSteps);
        }
    }

    private record OneStep(RunInfo info, double trainLoss, double learningRate, double[] weightNorms,
                           List<LayerTerms> terms) {}

    /** Trains step 0 of {@code config} (an epoch of one batch) and keeps its terms, copied out of the step's workspace. */
    private static OneStep trainOneStep(TrainerConfig config) {
        TrainerConfig oneBatch = config.toBuilder().epochs(1).trainSize(config.batchSize()).build();
        Trainer trainer = new Trainer(oneBatch);
        List<StepRecord> scalars = new ArrayList<>();
        List<LayerTerms> terms = new ArrayList<>();
        trainer.run(new TrainingListener() {
            @Override
            public boolean wantsTerms(long step) {
                return true;
            }

            @Override
            public void onStep(StepRecord step) {
                scalars.add(new StepRecord(step.step(), step.epoch(), step.trainLoss(), null, step.learningRate(),
                    step.weightNorms().clone(), List.of()));
                for (LayerTerms t : step.layers()) {
                    terms.add(new LayerTerms(t.layer(), detach(t.weights()), detach(t.gradient()), detach(t.signal()),
                        detach(t.hebbian()), detach(t.update()), detach(t.outputSquareMean())));
                }
            }
        });
        if (scalars.isEmpty()) {
            throw new IllegalStateException("the step of " + config.runId() + " did not train (diverged?)");
        }
        StepRecord step = scalars.get(0);
        return new OneStep(trainer.runInfo(), step.trainLoss(), step.learningRate(), step.weightNorms(), List.copyOf(terms));
    }

    private static INDArray detach(INDArray a) {
        return a == null ? null : a.detach();
    }
}
