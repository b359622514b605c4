package io.hebbscope.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The perf tools' result lines as Kafka 4.4 prints them. */
class KafkaPerfToolsTest {
    private static final double MIB = 1024 * 1024 / 1e6;

    @Test
    void producerPerformancePrefersTheSteadyStateLine() {
        String out = """
            Warmup first 100 records. Steady state results will print after the complete test summary.
            512 records sent, 102.3 records/sec (9.99 MB/sec), 12.0 ms avg latency, 80.0 ms max latency.
            1000 records sent, 199.960008 records/sec (19.53 MB/sec), 10.50 ms avg latency, 90.00 ms max latency, 9 ms 50th, 30 ms 95th, 60 ms 99th, 90 ms 99.9th.
            900 steady state records sent, 210.500000 records/sec (20.56 MB/sec), 10.00 ms avg latency, 80.00 ms max latency, 9 ms 50th, 25 ms 95th, 50 ms 99th, 80 ms 99.9th.
            """;
        KafkaPerfTools.ProducerResult r = KafkaPerfTools.parseProducer(out, 102_400);
        assertThat(r.steadyState()).isTrue();
        assertThat(r.records()).isEqualTo(900);
        assertThat(r.recordsPerSecond()).isEqualTo(210.5);
        assertThat(r.mbPerSecond()).isCloseTo(20.56 * MIB, within(1e-9));

        KafkaPerfTools.ProducerResult total = KafkaPerfTools.parseProducer(out.lines().limit(3)
            .reduce("", (a, b) -> a + b + "\n"), 102_400);
        assertThat(total.steadyState()).isFalse();
        assertThat(total.records()).isEqualTo(1000);
        assertThatThrownBy(() -> KafkaPerfTools.parseProducer("Error: nothing", 1)).hasMessageContaining("no result line");
    }

    @Test
    void consumerPerformanceResultLine() {
        String out = """
            start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
            2026-12-02 17:21:56:123, 2026-12-02 17:21:59:623, 107.0000, 30.5714, 1200, 342.8571, 500, 3000, 35.6667, 400.0000
            """;
        KafkaPerfTools.ConsumerResult r = KafkaPerfTools.parseConsumer(out);
        assertThat(r.records()).isEqualTo(1200);
        assertThat(r.mb()).isCloseTo(107 * MIB, within(1e-9));
        assertThat(r.mbPerSecond()).isCloseTo(30.5714 * MIB, within(1e-9));
        assertThat(r.fetchMbPerSecond()).isCloseTo(35.6667 * MIB, within(1e-9));
        assertThat(r.fetchRecordsPerSecond()).isEqualTo(400.0);
        assertThatThrownBy(() -> KafkaPerfTools.parseConsumer(out
            + "WARNING: Exiting before consuming the expected number of messages: timeout (10000 ms) exceeded.\n"))
            .hasMessageContaining("before reading every record");
    }
}
