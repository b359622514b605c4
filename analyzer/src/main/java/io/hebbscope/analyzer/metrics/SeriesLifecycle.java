package io.hebbscope.analyzer.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.LoggerFactory;

/**
 * The one place where the analyzer's metrics are registered, and where the series of runs come and go.
 *
 * <p>Every family registers its metrics here: {@link #perRun} for those with a {@code run} label (removed with the
 * run), {@link #global} for the others. At most {@code maxTrackedRuns} runs have series at once (the analyzer
 * admits at most that many active runs): a further run first takes the place of the least recently updated run that
 * is finished, not started here, or idle for the retention time; when there is none, its series are not exported
 * ({@code hebbscope_runs_not_exported_total}).
 *
 * <p>Series do not pile up: once a run has finished (RunFinished on the runs topic) and none of its series has
 * been updated for {@code finishedRunRetention}, every series with its {@code run} label is removed. The clock
 * starts at the last update, not at RunFinished, because an analyzer that lags behind the trainer reads
 * RunFinished (a small topic) long before the run's last layer steps.
 *
 * <p>Thread-safe: Kafka Streams threads update it, the HTTP server scrapes it, a daemon thread expires runs.
 */
final class SeriesLifecycle implements AutoCloseable {
    /** How many refused and expired run ids are remembered. */
    private static final int REMEMBERED_RUNS = 10_000;

    private final PrometheusRegistry registry;
    private final Duration finishedRunRetention;
    private final LongSupplier clock;
    private final int maxTrackedRuns;
    /** Every stateful metric with a run label, and the index of that label, for expiry. */
    private final List<Map.Entry<StatefulMetric<?, ?>, Integer>> perRun = new CopyOnWriteArrayList<>();
    /** What else goes with a run's series (collectors of our own, label sets kept on the track). */
    private final List<BiConsumer<String, RunTrack>> onRemove = new CopyOnWriteArrayList<>();
    private final Map<String, RunTrack> runs = new ConcurrentHashMap<>();
    /** Runs refused series recently, so that each is counted once. */
    private final Map<String, Boolean> refused = recentRuns();
    /** Runs expired recently: if their records show up again (a replay), they count as finished at once. */
    private final Map<String, Boolean> expired = recentRuns();
    private final Counter expiredRuns;
    private final Counter runsNotExported;
    private ScheduledExecutorService sweeper;

    SeriesLifecycle(PrometheusRegistry registry, Duration finishedRunRetention, LongSupplier clock, int maxTrackedRuns) {
        if (maxTrackedRuns < 1) {
            throw new IllegalArgumentException("tracked runs must be >= 1, got " + maxTrackedRuns);
        }
        if (finishedRunRetention.isNegative()) {
            throw new IllegalArgumentException("finished-run retention must be >= 0, got " + finishedRunRetention);
        }
        this.registry = registry;
        this.finishedRunRetention = finishedRunRetention;
        this.clock = clock;
        this.maxTrackedRuns = maxTrackedRuns;
        expiredRuns = global(Counter.builder().name("hebbscope_expired_runs_total")
            .help("Finished runs whose series were removed after the retention time").build());
        runsNotExported = global(Counter.builder().name("hebbscope_runs_not_exported_total")
            .help("Runs refused metric series because as many runs as the analyzer tracks at once were exported")
            .build());
        global(GaugeWithCallback.builder().name("hebbscope_runs")
            .help("Runs whose RunStarted this instance analyzed, by state (running: no RunFinished yet; finished: waiting"
                + " for expiry); with several instances each run is counted by the one that owns its partition of the runs topic")
            .labelNames("state")
            .callback(cb -> {
                long finished = runs.values().stream().filter(r -> r.started && r.finished).count();
                long started = runs.values().stream().filter(r -> r.started).count();
                cb.call(started - finished, "running");
                cb.call(finished, "finished");
            })
            .build());
    }

    // ---------------------------------------------------------------- registration

    /** Registers a metric whose first label is {@code run}: its series go when the run's do. */
    <M extends StatefulMetric<?, ?>> M perRun(M metric) {
        registry.register(metric);
        perRun.add(Map.entry(metric, 0));
        return metric;
    }

    /** Registers a collector whose series {@code remove} takes away when a run's series go. */
    <C extends Collector> C perRun(C collector, BiConsumer<String, RunTrack> remove) {
        registry.register(collector);
        onRemove.add(remove);
        return collector;
    }

    /** Registers a metric without a run label: its series stay. */
    <C extends Collector> C global(C collector) {
        registry.register(collector);
        return collector;
    }

    PrometheusRegistry registry() {
        return registry;
    }

    long now() {
        return clock.getAsLong();
    }

    // ---------------------------------------------------------------- runs

    /** The run's track, updated now; null when the run may not have series (as many runs are tracked as allowed). */
    RunTrack touch(String run) {
        RunTrack t = runs.get(run);
        if (t == null) {
            synchronized (runs) {
                t = runs.get(run);
                if (t == null) {
                    if (runs.size() >= maxTrackedRuns && !makeRoom()) {
                        if (refused.put(run, Boolean.TRUE) == null) {
                            runsNotExported.inc();
                        }
                        return null;
                    }
                    t = new RunTrack();
                    t.finished = expired.containsKey(run); // records of an expired run again: expire them again later
                    t.lastUpdateMs = clock.getAsLong();
                    runs.put(run, t);
                }
            }
            startSweeper();
        }
        t.lastUpdateMs = clock.getAsLong();
        return t;
    }

    /** Marks a tracked run finished: its series go once they were not updated for the retention time. */
    void finished(RunTrack track) {
        track.finished = true;
        startSweeper();
    }

    /** See {@link AnalyzerMetrics#expireFinishedRuns()}. */
    List<String> expireFinishedRuns() {
        long now = clock.getAsLong();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, RunTrack> e : runs.entrySet()) {
            RunTrack t = e.getValue();
            if ((t.finished || !t.started) && now - t.lastUpdateMs >= finishedRunRetention.toMillis()) {
                // under the lock that touch() takes to create a track: a track created for the run between the removal
                // and the series' removal would keep (in its per-layer caches) data points that are no longer exported
                synchronized (runs) {
                    if (runs.remove(e.getKey(), t)) {
                        expire(e.getKey(), t);
                        removed.add(e.getKey());
                    }
                }
            }
        }
        return removed;
    }

    Set<String> trackedRuns() {
        return Collections.unmodifiableSet(runs.keySet());
    }

    Duration finishedRunRetention() {
        return finishedRunRetention;
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    /**
     * Removes the series of the least recently updated run that is finished, not started here, or idle for the
     * retention time; false when every tracked run is running and recently updated.
     */
    private boolean makeRoom() {
        long now = clock.getAsLong();
        Map.Entry<String, RunTrack> victim = null;
        for (Map.Entry<String, RunTrack> e : runs.entrySet()) {
            RunTrack t = e.getValue();
            boolean evictable = t.finished || !t.started || now - t.lastUpdateMs >= finishedRunRetention.toMillis();
            if (evictable && (victim == null || t.lastUpdateMs < victim.getValue().lastUpdateMs)) {
                victim = e;
            }
        }
        if (victim == null || !runs.remove(victim.getKey(), victim.getValue())) {
            return false;
        }
        expire(victim.getKey(), victim.getValue());
        return true;
    }

    private void expire(String run, RunTrack track) {
        for (Map.Entry<StatefulMetric<?, ?>, Integer> m : perRun) {
            int index = m.getValue();
            m.getKey().removeIf(labels -> run.equals(labels.get(index)));
        }
        for (BiConsumer<String, RunTrack> remove : onRemove) {
            remove.accept(run, track);
        }
        expired.put(run, Boolean.TRUE);
        expiredRuns.inc();
    }

    private synchronized void startSweeper() {
        if (sweeper != null) {
            return;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hebbscope-metrics-expiry");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(30_000, finishedRunRetention.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                expireFinishedRuns();
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(AnalyzerMetrics.class).warn("expiring finished runs failed", e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    private static Map<String, Boolean> recentRuns() {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > REMEMBERED_RUNS;
            }
        });
    }
}
