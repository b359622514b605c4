package io.hebbscope.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The read-only Kafka Streams yardstick's result line, written and read back. */
class StreamsReadOnlyTest {
    @Test
    void resultLineRoundTrips() {
        StreamsReadOnly.Result r = new StreamsReadOnly.Result(9480, 937_012_345L, 6.125, 5.5);
        String out = "12:00:00.000 WARN something\n" + StreamsReadOnly.line(r) + "\n";
        assertThat(StreamsReadOnly.parse(out)).isEqualTo(r);
        assertThatThrownBy(() -> StreamsReadOnly.parse("Kafka Streams failed after 3 of 9480 records"))
            .hasMessageContaining("no result line").hasMessageContaining("failed after 3");
    }
}
