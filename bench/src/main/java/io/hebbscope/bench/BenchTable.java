package io.hebbscope.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bench's one table, a row per figure: what hebbscope achieved, the yardstick it is held against, their ratio
 * and the target. The same Markdown is printed, written to {@code bench.md} and quoted in the README.
 */
public final class BenchTable {
    public static final List<String> HEADER = List.of("figure", "hebbscope", "yardstick", "ratio", "target");
    private static final String NONE = "—";

    /** One line of the table; {@code met} is null where no target applies. */
    public record Row(String figure, String hebbscope, String yardstick, String ratio, String target, Boolean met) {}

    private BenchTable() {}

    /** Figure names, in table order: the test checks that a run produced every one. */
    public static final List<String> FIGURES = List.of(
        "step time: training alone (median / mean / p90)",
        "step time: + probe (median / mean / p90)",
        "step time: + probe + publishing (median / mean / p90)",
        "step time: + probe + publishing, p90",
        "publisher queue wait per step (+ publishing)",
        "trainer publishing (during + publishing)",
        "publisher-only publishing",
        "analyzer live, 1 trainer",
        "analyzer live, %d trainers",
        "analyzer over the stored log, from start",
        "analyzer over the stored log, from RUNNING (main path)",
        "analyzer main path against the trainer",
        "replay, from start",
        "replay, from RUNNING",
        "analyzer main path against Kafka Streams reading only",
        "analyzer main path over a long stored log, from RUNNING",
        "analyzer main path over the long log against its trainer",
        "analyzer main path over the long log against Kafka Streams reading only",
        "the analysis alone over the long log (no broker, one thread), first pass",
        "the analysis alone over the long log (no broker, one thread), fastest pass",
        "analyzer main path over the long log against the analysis alone's first pass",
        "analyzer main path over the long log against the analysis alone's fastest pass",
        "CPU during the main path over the long log, from launch: the analyzer's threads, the broker's JVM",
        "the main path over the long log: its Kafka Streams threads' rate per CPU-second",
        "live lag, 1 trainer (p50 / p99 / max)",
        "live lag, %d trainers (p50 / p99 / max)",
        "live lag, 1 trainer yielding to the analyzer (p50 / p99 / max)",
        "live lag, %d trainers yielding to the analyzer (p50 / p99 / max)",
        "live lag, trainer processes, 1 analyzer (p50 / p99 / max)",
        "live lag, trainer processes, 2 analyzer instances (p50 / p99 / max)",
        "recovery: kill -9 to next output",
        "recovery: restart to next output (to RUNNING)");

    static List<Row> rows(BenchReport r) {
        List<Row> rows = new ArrayList<>();
        var st = r.stepTime();
        int n = r.settings().trainers();
        rows.add(new Row(FIGURES.get(0), timing(st.trainingAlone()), NONE, NONE, NONE, null));
        rows.add(new Row(FIGURES.get(1), timing(st.probe()), "training alone", ratio(st.probeMedianRatio()) + " (median)",
            NONE, null));
        rows.add(atMost(FIGURES.get(2), timing(st.probePublishing()), "training alone",
            st.publishingMedianRatio(), 1.35, " (median)"));
        rows.add(atMost(FIGURES.get(3), ms(st.probePublishing().p90Ms()),
            "training alone p90 " + ms(st.trainingAlone().p90Ms()), st.publishingP90Ratio(), 2.0, ""));
        rows.add(new Row(FIGURES.get(4), st.queueWaitMsPerStep() == null ? "n/a: " + st.queueWaitNote()
            : ms(st.queueWaitMsPerStep()) + String.format(Locale.ROOT, " (%.0f %% of the step)",
                100 * st.queueWaitMsPerStep() / st.probePublishing().meanMs()), NONE, NONE, NONE, null));
        var pub = r.publishing();
        rows.add(new Row(FIGURES.get(5), throughput(pub.trainer()), NONE, NONE, NONE, null));
        var pp = pub.producerPerformance();
        rows.add(atLeast(FIGURES.get(6), throughput(pub.publisherOnly()),
            String.format(Locale.ROOT, "ProducerPerformance %s, %,.0f records/s (%,d B records)", mbps(pp.mbPerSecond()),
                pp.recordsPerSecond(), pp.recordSize()), pub.publisherOnlyRatio(), 0.8));
        var an = r.analyzer();
        rows.add(live(FIGURES.get(7), an.liveOneTrainer()));
        rows.add(live(String.format(Locale.ROOT, FIGURES.get(8), n), an.liveTrainers()));
        var cp = an.consumerPerformance();
        String cpAll = "ConsumerPerformance " + mbps(cp.mbPerSecond()) + " (whole run)";
        String cpFetch = "ConsumerPerformance " + mbps(cp.fetchMbPerSecond()) + " (after group join)";
        rows.add(new Row(FIGURES.get(9), mbps(an.storedLog().mbPerSecondFromStart()), cpAll, ratio(an.storedFromStartRatio()),
            NONE, null));
        rows.add(atLeast(FIGURES.get(10), mbps(an.storedLog().mbPerSecondFromRunning()), cpFetch,
            an.storedFromRunningRatio(), 0.6));
        rows.add(atLeast(FIGURES.get(11), mbps(an.storedLog().mbPerSecondFromRunning()),
            "trainer publishing " + mbps(pub.trainer().mbPerSecond()), an.storedToTrainerRatio(), 2.0));
        rows.add(new Row(FIGURES.get(12), mbps(an.replay().mbPerSecondFromStart()), cpAll, ratio(an.replayFromStartRatio()),
            NONE, null));
        rows.add(new Row(FIGURES.get(13), mbps(an.replay().mbPerSecondFromRunning()), cpFetch,
            ratio(an.replayFromRunningRatio()), NONE, null));
        rows.add(new Row(FIGURES.get(14), mbps(an.storedLog().mbPerSecondFromRunning()),
            streamsReadOnly(an.streamsReadOnly(), an.streamsReadOnlyRatio()), ratio(an.storedToStreamsRatio()), NONE,
            null));
        var longLog = an.longLog();
        var longCp = longLog.consumerPerformance();
        String longCpFetch = "ConsumerPerformance " + mbps(longCp.fetchMbPerSecond()) + " (after group join)";
        rows.add(atLeast(FIGURES.get(15), String.format(Locale.ROOT, "%s (%,d steps, %,.0f MB)",
                mbps(longLog.mainPath().mbPerSecondFromRunning()), longLog.steps(), longLog.mainPath().mb()),
            longCpFetch, longLog.fromRunningRatio(), 0.6));
        rows.add(atLeast(FIGURES.get(16), mbps(longLog.mainPath().mbPerSecondFromRunning()),
            "trainer publishing " + mbps(longLog.trainer().mbPerSecond()), longLog.toTrainerRatio(), 2.0));
        rows.add(new Row(FIGURES.get(17), mbps(longLog.mainPath().mbPerSecondFromRunning()),
            streamsReadOnly(longLog.streamsReadOnly(), longLog.streamsReadOnlyRatio()), ratio(longLog.toStreamsRatio()),
            NONE, null));
        var alone = longLog.analysisAlone();
        rows.add(new Row(FIGURES.get(18), mbps(alone.firstMbPerSecond()), longCpFetch,
            ratio(alone.firstMbPerSecond() / longCp.fetchMbPerSecond()), NONE, null));
        rows.add(new Row(FIGURES.get(19), mbps(alone.bestMbPerSecond()), longCpFetch, ratio(longLog.analysisAloneRatio()),
            NONE, null));
        rows.add(new Row(FIGURES.get(20), mbps(longLog.mainPath().mbPerSecondFromRunning()),
            "the analysis alone, first pass " + mbps(alone.firstMbPerSecond()), ratio(longLog.toFirstAnalysisPassRatio()),
            NONE, null));
        rows.add(new Row(FIGURES.get(21), mbps(longLog.mainPath().mbPerSecondFromRunning()),
            "the analysis alone, fastest pass " + mbps(alone.bestMbPerSecond()), ratio(longLog.toAnalysisAloneRatio()),
            NONE, null));
        rows.addAll(cpu(FIGURES.get(22), FIGURES.get(23), longLog.mainPath().cpu(), r.machine().cores(), longCpFetch,
            longCp.fetchMbPerSecond()));
        rows.add(lag(FIGURES.get(24), r.lag().oneTrainer()));
        rows.add(lag(String.format(Locale.ROOT, FIGURES.get(25), n), r.lag().trainers()));
        rows.add(yielding(FIGURES.get(26), r.lag().oneTrainerYielding(), r.lag().oneTrainerYieldingSpeed()));
        rows.add(yielding(String.format(Locale.ROOT, FIGURES.get(27), n), r.lag().trainersYielding(),
            r.lag().trainersYieldingSpeed()));
        rows.add(fleet(FIGURES.get(28), r.fleet().oneAnalyzer()));
        rows.add(fleet(FIGURES.get(29), r.fleet().twoAnalyzers()));
        var rec = r.recovery();
        boolean recovered = rec.killToOutputSeconds() <= 10;
        rows.add(new Row(FIGURES.get(30), seconds(rec.killToOutputSeconds()), NONE, NONE, "≤ 10 s" + mark(recovered),
            recovered));
        rows.add(new Row(FIGURES.get(31), seconds(rec.restartToOutputSeconds()) + " (" + seconds(rec.restartToRunningSeconds())
            + ")", NONE, NONE, NONE, null));
        return rows;
    }

    /**
     * Where the main path's CPU went, and the rate its Kafka Streams threads' own work allows, beside
     * ConsumerPerformance: what bounds the main path on this machine.
     */
    private static List<Row> cpu(String splitFigure, String rateFigure, BenchReport.CpuUse cpu, int cores,
                                 String consumerPerformance, double consumerPerformanceMbPerSecond) {
        if (cpu == null) {
            String none = "n/a: no per-thread CPU figures on this system (Linux's /proc)";
            return List.of(new Row(splitFigure, none, NONE, NONE, NONE, null), new Row(rateFigure, none, NONE, NONE, NONE, null));
        }
        String split = String.format(Locale.ROOT, "Kafka Streams %.1f CPU-s (+%.1f s waiting for a core), JIT %.1f, "
                + "producer I/O %.1f, GC %.1f, other %.1f; broker's JVM %.1f", cpu.streams(),
            cpu.streamsWaiting(), cpu.jit(), cpu.producerIo(), cpu.gc(), cpu.other(), cpu.brokerJvm());
        return List.of(
            new Row(splitFigure, split, String.format(Locale.ROOT, "%d cores for %.1f s", cores, cpu.seconds()),
                String.format(Locale.ROOT, "%.2f× (%.1f cores busy)", cpu.coresBusy() / cores, cpu.coresBusy()), NONE, null),
            new Row(rateFigure, mbps(cpu.streamsMbPerCpuSecond()), consumerPerformance,
                ratio(cpu.streamsMbPerCpuSecond() / consumerPerformanceMbPerSecond), NONE, null));
    }

    /** The rows as a Markdown table, columns padded so that it also reads as plain text. */
    static String markdown(List<Row> rows) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(HEADER);
        for (Row row : rows) {
            cells.add(List.of(row.figure(), row.hebbscope(), row.yardstick(), row.ratio(), row.target()));
        }
        int[] width = new int[HEADER.size()];
        for (List<String> line : cells) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], line.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < cells.size(); l++) {
            line(sb, cells.get(l), width);
            if (l == 0) {
                List<String> rule = new ArrayList<>();
                for (int w : width) {
                    rule.add("-".repeat(w));
                }
                line(sb, rule, width);
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        sb.append('|');
        for (int i = 0; i < width.length; i++) {
            String c = cells.get(i);
            sb.append(' ').append(c).append(" ".repeat(width[i] - c.length())).append(" |");
        }
        sb.append('\n');
    }

    /** The read-only Kafka Streams yardstick, with its own ratio to ConsumerPerformance. */
    private static String streamsReadOnly(BenchReport.StreamsYardstick streams, double toConsumerPerformance) {
        return "Kafka Streams reading only " + mbps(streams.mbPerSecondFromRunning()) + " ("
            + ratio(toConsumerPerformance) + " ConsumerPerformance)";
    }

    private static Row atMost(String figure, String value, String yardstick, double ratio, double target, String what) {
        boolean met = ratio <= target;
        return new Row(figure, value, yardstick, ratio(ratio) + what, "≤ " + trim(target) + "×" + mark(met), met);
    }

    private static Row atLeast(String figure, String value, String yardstick, double ratio, double target) {
        boolean met = ratio >= target;
        return new Row(figure, value, yardstick, ratio(ratio), "≥ " + trim(target) + "×" + mark(met), met);
    }

    private static Row live(String figure, BenchReport.Live live) {
        return new Row(figure, mbps(live.mbPerSecond()), "trainer publishing " + mbps(live.trainerMbPerSecond()),
            ratio(live.mbPerSecond() / live.trainerMbPerSecond()), NONE, null);
    }

    private static Row lag(String figure, BenchReport.Lag lag) {
        boolean met = lag.p99Ms() <= 2000;
        return new Row(figure, String.format(Locale.ROOT, "%s / %s / %s", seconds(lag.p50Ms() / 1e3),
            seconds(lag.p99Ms() / 1e3), seconds(lag.maxMs() / 1e3)), NONE, NONE, "p99 ≤ 2 s" + mark(met), met);
    }

    /** The yardstick column says how fast the yielding trainers went against their full speed. */
    private static Row yielding(String figure, BenchReport.Lag lag, double speed) {
        Row row = lag(figure, lag);
        return new Row(figure, row.hebbscope(), String.format(Locale.ROOT, "trainers at %.2fx their full-speed publish rate",
            speed), NONE, row.target(), row.met());
    }

    /** All runs' lag; the yardstick column names the worst run's p99 (bench.json has every run's). */
    private static Row fleet(String figure, BenchReport.FleetLag f) {
        Row all = lag(figure, f.all());
        return new Row(figure, all.hebbscope() + String.format(Locale.ROOT, " (%d runs)", f.trainers()),
            "worst run p99 " + seconds(f.worstRunP99Ms() / 1e3), NONE, all.target(), all.met());
    }

    private static String mark(boolean met) {
        return met ? " (met)" : " (not met)";
    }

    private static String timing(BenchReport.Timing t) {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f ms", t.medianMs(), t.meanMs(), t.p90Ms());
    }

    private static String throughput(BenchReport.Throughput t) {
        return String.format(Locale.ROOT, "%s, %,.0f records/s", mbps(t.mbPerSecond()), t.recordsPerSecond());
    }

    private static String mbps(double v) {
        return String.format(Locale.ROOT, "%.1f MB/s", v);
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.2f ms", v);
    }

    private static String seconds(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f s" : "%.1f s", v);
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2f×", v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
