package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pending store's keys are those String.format wrote before (stores written then must still be read). */
class StepKeyTest {
    @Test
    void stepKeysAreTheFormattedOnes() {
        Random r = new Random(17);
        long[] edges = {0, 1, 9, 10, 99, 100, 999_999, 1_000_000_000_000L, Long.MAX_VALUE, -1, -42, Long.MIN_VALUE};
        for (long step : edges) {
            assertThat(StepAssembler.stepKey("run/layer", step))
                .isEqualTo("run/layer/" + String.format(Locale.ROOT, "%019d", step));
        }
        for (int i = 0; i < 10_000; i++) {
            long step = r.nextLong() >>> r.nextInt(64);
            assertThat(StepAssembler.stepKey("r/l", step)).isEqualTo("r/l/" + String.format(Locale.ROOT, "%019d", step));
        }
    }
}
