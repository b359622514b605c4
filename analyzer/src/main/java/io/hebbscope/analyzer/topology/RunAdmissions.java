package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.AdmissionSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerAdmission;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.RunAdmission;
import io.hebbscope.schema.RunEvent;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.WaitingRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The admission of runs, in one task (its input, the run-events repartition topic, has one partition): a run exists
 * for the analyzer once a valid RunStarted arrives and fewer than {@code maxActiveRuns} runs are active (admitted,
 * not finished, not idle); its layers are then admitted to the step assembler (a {@link LayerAdmission} per layer,
 * keyed run/layer). RunFinished and StepMetrics of admitted runs update the run's metrics; those of runs not admitted
 * (yet) wait up to the grace period, then go to the dead letters as {@code unknown_run}.
 *
 * <p>Every record is accounted for: accepted, a counted duplicate (the same RunStarted or RunFinished again, a
 * StepMetrics of a step the run's StepMetrics already reached, as a resumed trainer sends), or a
 * dead letter ({@code too_many_runs}, {@code conflicting_run}: another RunStarted for an admitted run id,
 * {@code run_mismatch}: StepMetrics beyond the run's steps or layers, {@code unknown_run}).
 *
 * <p>Whether a run counts as active depends on record times only (RunFinished, or its last RunStarted / StepMetrics
 * older than the idle timeout in stream time), so a replay of the log admits the same runs.
 */
final class RunAdmissions implements Processor<String, RunEvent, String, Routed> {
    static final String RUNS_STORE = "run-admissions";
    static final String WAITING_STORE = "waiting-run-events";

    private final AdmissionSettings settings;
    private final AnalyzerMetrics metrics;
    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, RunAdmission> runs;
    private WaitingRecords waiting;
    /** Admitted, unfinished runs and their last activity (record time): rebuilt from the store on (re)start. */
    private final Map<String, Long> active = new HashMap<>();

    RunAdmissions(AdmissionSettings settings, AnalyzerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.runs = context.getStateStore(RUNS_STORE);
        KeyValueStore<String, WaitingRecord> store = context.getStateStore(WAITING_STORE);
        this.waiting = new WaitingRecords(store, settings.maxWaitingRecords(), context.currentSystemTimeMs());
        active.clear();
        try (var it = runs.all()) {
            it.forEachRemaining(kv -> {
                if (!kv.value.getFinished()) {
                    active.put(kv.key, kv.value.getLastActivityMs());
                }
            });
        }
        context.schedule(punctuationPeriod(settings.unknownRunGrace()), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    static Duration punctuationPeriod(Duration grace) {
        return Duration.ofMillis(Math.max(10, Math.min(1_000, grace.toMillis() / 4)));
    }

    private void punctuate(long nowMs) {
        for (WaitingRecord r : waiting.expire(nowMs, settings.unknownRunGrace().toMillis())) {
            unknownRun(r.getEvent(), "no valid RunStarted for run " + r.getKey() + " within the grace period of "
                + settings.unknownRunGrace().toSeconds() + " s");
        }
        metrics.waitingRecords(context.taskId().toString() + "/runs", waiting.size());
    }

    @Override
    public void process(Record<String, RunEvent> record) {
        handle(record.key(), record.value(), record.timestamp());
        metrics.waitingRecords(context.taskId().toString() + "/runs", waiting.size());
    }

    private void handle(String runId, RunEvent e, long timestamp) {
        byte[] value = bytes(e.getValue());
        SpecificRecord event = EventCodec.get().decodeAny(value);
        if (event instanceof RunStarted started) {
            started(runId, started, e, value, timestamp);
            return;
        }
        RunAdmission run = runs.get(runId);
        if (run == null) {
            WaitingRecord w = new WaitingRecord(runId, context.currentSystemTimeMs(), null, e);
            for (WaitingRecord evicted : waiting.add(w,
                WaitingRecords.source(e.getSourceTopic(), e.getSourcePartition(), e.getSourceOffset()))) {
                unknownRun(evicted.getEvent(), "no valid RunStarted for run " + evicted.getKey() + "; more than "
                    + settings.maxWaitingRecords() + " records of unknown runs were waiting");
            }
            return;
        }
        if (event instanceof RunFinished finished) {
            if (run.getFinished()) {
                metrics.duplicateRecords.labelValues(e.getSourceTopic()).inc();
                return;
            }
            run.setFinished(true);
            run.setLastActivityMs(Math.max(run.getLastActivityMs(), timestamp));
            runs.put(runId, run);
            active.remove(runId);
            metrics.runFinished(finished);
        } else if (event instanceof StepMetrics m) {
            if (m.getStep() >= run.getTotalSteps() || m.getWeightNorms().size() > run.getLayers().size()) {
                dead(e, value, new InvalidRecordException("run_mismatch", "StepMetrics of step " + m.getStep() + " with "
                    + m.getWeightNorms().size() + " weight norms; the run has " + run.getTotalSteps() + " steps and "
                    + run.getLayers().size() + " layers"));
                return;
            }
            // a resumed trainer publishes the steps after its checkpoint again: the first StepMetrics of a step stays
            boolean repeated = m.getStep() <= run.getLastMetricsStep();
            if (timestamp > run.getLastActivityMs() || !repeated) {
                run.setLastActivityMs(Math.max(run.getLastActivityMs(), timestamp));
                if (!repeated) {
                    run.setLastMetricsStep(m.getStep());
                }
                runs.put(runId, run);
                if (!run.getFinished()) {
                    active.put(runId, run.getLastActivityMs());
                }
            }
            if (repeated) {
                metrics.duplicateRecords.labelValues(e.getSourceTopic()).inc();
                return;
            }
            metrics.stepMetrics(m);
        } else {
            throw new IllegalStateException("unexpected run event " + event.getClass().getSimpleName());
        }
        metrics.recordsAccepted.labelValues(e.getSourceTopic()).inc();
    }

    private void started(String runId, RunStarted started, RunEvent e, byte[] value, long timestamp) {
        long fingerprint = SchemaNormalization.fingerprint64(value);
        RunAdmission run = runs.get(runId);
        if (run != null) {
            if (run.getStartedFingerprint() == fingerprint) {
                metrics.duplicateRecords.labelValues(e.getSourceTopic()).inc();
            } else {
                dead(e, value, new InvalidRecordException("conflicting_run", "run " + runId
                    + " was admitted with another RunStarted; a run id is started once"));
            }
            return;
        }
        long now = Math.max(context.currentStreamTimeMs(), timestamp);
        active.entrySet().removeIf(a -> now - a.getValue() >= settings.runIdleTimeout().toMillis());
        if (active.size() >= settings.maxActiveRuns()) {
            dead(e, value, new InvalidRecordException("too_many_runs", active.size() + " runs are active, the most "
                + "tracked at once (--max-active-runs " + settings.maxActiveRuns() + ")"));
            return;
        }
        List<String> layers = new ArrayList<>();
        started.getLayers().forEach(l -> layers.add(l.getName()));
        runs.put(runId, new RunAdmission(runId, fingerprint, layers, started.getTotalSteps(), false, timestamp, -1L));
        active.put(runId, timestamp);
        metrics.runStarted(started);
        metrics.recordsAccepted.labelValues(e.getSourceTopic()).inc();
        for (LayerShape l : started.getLayers()) {
            String key = Keys.layer(runId, l.getName());
            // statistics blocks: statsRowsPerBlock rows each (one block for a smaller layer), none without statistics
            int statsPerBlock = started.getStatsEvery() > 0 ? Math.min(l.getRows(), started.getStatsRowsPerBlock()) : 0;
            int statsBlocks = statsPerBlock > 0 ? (l.getRows() + statsPerBlock - 1) / statsPerBlock : 0;
            context.forward(new Record<>(key, new Routed.Good(key, new LayerAdmission(runId, l.getName(), true, l.getIndex(),
                l.getRows(), l.getCols(), l.getRowsPerBlock(), l.getBlocks(), started.getTotalSteps(), statsPerBlock,
                statsBlocks)), timestamp));
        }
        for (WaitingRecord w : waiting.take(runId)) {
            handle(runId, w.getEvent(), timestamp);
        }
    }

    private void unknownRun(RunEvent e, String reason) {
        dead(e, bytes(e.getValue()), new InvalidRecordException("unknown_run", reason));
    }

    private void dead(RunEvent e, byte[] value, InvalidRecordException why) {
        byte[] key = e.getSourceKey() == null ? null : bytes(e.getSourceKey());
        Routed.Dead dead = DeadLetters.of(context, metrics, e.getSourceTopic(), e.getSourcePartition(), e.getSourceOffset(),
            key, value, why);
        context.forward(new Record<>(null, dead, context.currentSystemTimeMs()));
    }

    static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
