package io.hebbscope.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoredLogTest {
    @Test
    void runningIsReadFromTheAnalyzersOwnLine() {
        String out = "logging to /tmp/x.log\n"
            + "analyzer b-stored-log running on 127.0.0.1:40123 since 2026-12-04T02:31:07.412345Z; Ctrl-C to stop\n";
        assertThat(StoredLog.runningSince(out)).isEqualTo(Instant.parse("2026-12-04T02:31:07.412Z").toEpochMilli());
        String withMetrics = "analyzer a running on h:1 since 2026-12-04T02:31:07Z, metrics at http://h:2/metrics; Ctrl-C";
        assertThat(StoredLog.runningSince(withMetrics)).isEqualTo(Instant.parse("2026-12-04T02:31:07Z").toEpochMilli());
        String twoServers = "analyzer a running on [::1]:9092, h:2 since 2026-12-04T02:31:08.5Z; Ctrl-C to stop";
        assertThat(StoredLog.runningSince(twoServers)).isEqualTo(Instant.parse("2026-12-04T02:31:08.500Z").toEpochMilli());
    }

    @Test
    void aLineWithoutTheInstantIsAnErrorThatShowsTheOutput() {
        assertThatThrownBy(() -> StoredLog.runningSince("analyzer a running on h:1; Ctrl-C to stop"))
            .hasMessageContaining("running on ... since").hasMessageContaining("analyzer a running on h:1");
    }
}
