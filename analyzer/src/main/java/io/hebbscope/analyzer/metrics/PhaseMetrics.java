package io.hebbscope.analyzer.metrics;

import io.hebbscope.schema.PhaseEvent;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.Locale;

/** Per run, layer and kind: the phase events the detectors emitted, and where the latest of each kind was. */
public final class PhaseMetrics {
    public final Counter phaseEvents;
    public final Gauge phaseLastStep;
    public final Gauge phaseLastTimestamp;

    PhaseMetrics(SeriesLifecycle series) {
        phaseEvents = series.perRun(Counter.builder().name("hebbscope_phase_events_total")
            .help("Phase events detected, by kind").labelNames("run", "layer", "kind").build());
        phaseLastStep = series.perRun(Gauge.builder().name("hebbscope_phase_last_step")
            .help("Training step of the latest phase event of each kind").labelNames("run", "layer", "kind").build());
        phaseLastTimestamp = series.perRun(Gauge.builder().name("hebbscope_phase_last_timestamp_seconds")
            .help("When the step of the latest phase event of each kind was trained (Unix seconds; for Grafana annotations)")
            .labelNames("run", "layer", "kind").build());
    }

    /** A phase event whose step was trained at {@code trainedAtMs} (milliseconds since the epoch). */
    void detected(PhaseEvent event, long trainedAtMs) {
        String run = event.getRunId();
        String layer = event.getLayer();
        String kind = event.getKind().name().toLowerCase(Locale.ROOT);
        phaseEvents.labelValues(run, layer, kind).inc();
        phaseLastStep.labelValues(run, layer, kind).set(event.getStep());
        phaseLastTimestamp.labelValues(run, layer, kind).set(trainedAtMs / 1000.0);
    }
}
