package io.hebbscope.trainer.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchOrderTest {

    @Test
    void epochsArePermutationsCutIntoBatchesWithARemainder() {
        BatchOrder order = new BatchOrder(10, 4, 99);
        assertThat(order.batchesPerEpoch()).isEqualTo(3);
        int[] p = order.permutation(0);
        assertThat(Arrays.stream(p).sorted().toArray()).containsExactly(IntStream.range(0, 10).toArray());
        assertThat(order.batch(p, 0)).hasSize(4);
        assertThat(order.batch(p, 2)).hasSize(2).containsExactly(p[8], p[9]);
    }

    @Test
    void reshuffledEachEpochAndReproducible() {
        BatchOrder order = new BatchOrder(1000, 256, 5);
        assertThat(order.permutation(0)).isNotEqualTo(order.permutation(1));
        assertThat(order.permutation(3)).isEqualTo(new BatchOrder(1000, 256, 5).permutation(3));
        assertThat(order.permutation(0)).isNotEqualTo(new BatchOrder(1000, 256, 6).permutation(0));
    }
}
