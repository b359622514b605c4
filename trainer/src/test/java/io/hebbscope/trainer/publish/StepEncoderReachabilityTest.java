package io.hebbscope.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder reads ND4J's native memory through NIO buffers, which do not keep their array alive. A child JVM
 * trains a float64 model (whose update the encoder casts to float32) with statistics on every step while its sink
 * allocates like a producer, with glibc returning every freed block of 64 KB or more to the system: a cast collected
 * mid-loop is then a SIGSEGV, not stale values. Before the encoder held its cast, this crashed every time within 3 s.
 */
class StepEncoderReachabilityTest {
    @Test
    void statisticsOfAFloat64ModelSurviveCollectionsWhileEncoding(@TempDir Path dir)
            throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Xmn8m", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-cp", System.getProperty("java.class.path"), StatisticsUnderCollections.class.getName(), "3");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("MALLOC_MMAP_THRESHOLD_", "65536");
        Process child = builder.start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = child.waitFor();
        assertThat(exit).as(output).isZero();
        assertThat(output).as(output).contains("completed: 408 sketches, 0 wrong");
    }
}
