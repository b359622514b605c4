package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StepChainTest {

    @Test
    void releasesInPublishOrderWhateverTheCompletionOrder() {
        long[] steps = {0, 2, 4, 6, 8, 10};
        Random r = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5));
            Collections.shuffle(order, r);
            StepChain chain = StepChain.empty();
            List<Long> released = new ArrayList<>();
            int[] skipped = {0};
            for (int i : order) {
                // persist and reload the state each time, as the processor does
                chain = new StepChain(chain.lastReleased(), chain.released(), chain.waitingSteps(), chain.waitingPrevious());
                released.addAll(chain.complete(steps[i], i == 0 ? -1 : steps[i - 1], 64, skipped));
            }
            assertThat(released).containsExactly(0L, 2L, 4L, 6L, 8L, 10L);
            assertThat(skipped[0]).isZero();
            assertThat(chain.isPast(10)).isTrue();
            assertThat(chain.isPast(11)).isFalse();
        }
    }

    @Test
    void aMissingStepIsPassedOverWhenTooManyWait() {
        StepChain chain = StepChain.empty();
        int[] skipped = {0};
        assertThat(chain.complete(0, -1, 2, skipped)).containsExactly(0L);
        // step 1 never completes
        assertThat(chain.complete(2, 1, 2, skipped)).isEmpty();
        assertThat(chain.complete(3, 2, 2, skipped)).isEmpty();
        assertThat(chain.complete(4, 3, 2, skipped)).containsExactly(2L, 3L, 4L);
        assertThat(skipped[0]).isEqualTo(1);
        assertThat(chain.isPast(1)).isTrue();
    }
}
