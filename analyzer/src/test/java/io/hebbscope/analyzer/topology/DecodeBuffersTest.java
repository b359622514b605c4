package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecodeBuffersTest {
    @Test
    void eachSlotAndSizeKeepsItsOwnArray() {
        DecodeBuffers b = new DecodeBuffers();
        float[] g = b.floats(DecodeBuffers.GRADIENT, 4096);
        float[] h = b.floats(DecodeBuffers.HEBBIAN, 4096);
        float[] g2 = b.floats(DecodeBuffers.GRADIENT, 16384);
        assertThat(g).hasSize(4096).isNotSameAs(h);
        assertThat(g2).hasSize(16384);
        assertThat(b.floats(DecodeBuffers.GRADIENT, 4096)).isSameAs(g);
        assertThat(b.floats(DecodeBuffers.HEBBIAN, 4096)).isSameAs(h);
        assertThat(b.floats(DecodeBuffers.GRADIENT, 16384)).isSameAs(g2);
    }

    @Test
    void whatIsKeptStaysBounded() {
        DecodeBuffers b = new DecodeBuffers();
        int big = 1 << 20;
        assertThat(b.floats(DecodeBuffers.UPDATE, big + 1)).isNotSameAs(b.floats(DecodeBuffers.UPDATE, big + 1));
        float[] first = b.floats(DecodeBuffers.UPDATE, big / 2);
        b.floats(DecodeBuffers.SIGNAL, big / 2 + 8); // past the limit: the kept arrays are dropped first
        assertThat(b.floats(DecodeBuffers.UPDATE, big / 2)).isNotSameAs(first);
    }
}
