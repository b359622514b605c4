package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PartitionDefaultsTest {

    private static DemoCommand demo(String... args) {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        return demo;
    }

    @Test
    void theDemoCreatesOnePartitionPerStreamThreadUnlessTold() {
        assertThat(demo().partitions()).isEqualTo(1);
        assertThat(demo("--stream-threads", "2").partitions()).isEqualTo(2);
        assertThat(demo("--partitions", "3").partitions()).isEqualTo(3);
        assertThat(demo("--partitions", "3", "--stream-threads", "2").partitions()).isEqualTo(3);
    }

    @Test
    void theOtherCommandsKeepFourPartitions() {
        AnalyzeCommand analyze = new AnalyzeCommand();
        new CommandLine(analyze).parseArgs("--bootstrap-servers", "127.0.0.1:9092");
        assertThat(analyze.analysis.partitions()).isEqualTo(AnalysisOptions.DEFAULT_PARTITIONS).isEqualTo(4);
        new CommandLine(analyze).parseArgs("--bootstrap-servers", "127.0.0.1:9092", "--partitions", "6");
        assertThat(analyze.analysis.partitions()).isEqualTo(6);
    }
}
