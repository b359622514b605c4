package io.hebbscope.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder reads ND4J's native memory through NIO buffers, which do not keep their array alive. A child JVM
 * trains a float64 model (whose update the encoder casts to float32) with statistics on every step while its sink
 * allocates like a producer, with glibc returning every freed block of 64 KB or more to the system: a cast collected
 * mid-loop is then a SIGSEGV, not stale values. Before the encoder held its cast this crashed every time within
 * 2-3 s; the run takes 4-6 s.
 */
class StepEncoderReachabilityTest {
    @Test
    void statisticsOfAFloat64ModelSurviveCollectionsWhileEncoding(@TempDir Path dir)
            throws IOException, InterruptedException {
        ChildJvm.Result result = ChildJvm.run(dir, List.of("-Xmx512m", "-Xmn8m"),
                Map.of("MALLOC_MMAP_THRESHOLD_", "65536"), StatisticsUnderCollections.class, "3");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).as(result.output()).containsPattern("completed: [1-9][0-9]* sketches, 0 wrong, 0 encodings failed");
    }
}
