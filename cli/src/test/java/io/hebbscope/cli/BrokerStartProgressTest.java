package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 11, item 6: while the in-process broker starts, the command shows how long it has waited. */
class BrokerStartProgressTest {
    @Test
    void theStartShowsItsProgressAndUsesTheGivenTimeout() {
        StringWriter text = new StringWriter();
        try (EmbeddedKafkaBroker broker = BrokerStartOptions.start(EmbeddedKafkaBroker.builder()
            .startTimeout(Duration.ofMinutes(10)), new PrintWriter(text, true), Duration.ofMillis(20))) {
            assertThat(broker.isRunning()).isTrue();
        }
        // a broker start takes well over 20 ms: at least one progress mark was printed, and none after the start
        assertThat(text.toString()).matches("(\\(\\d+ s\\) )+");
    }
}
