package io.hebbscope.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** No broker needed: checks against closed ports and bad input. */
class KafkaReachabilityTest {

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    @Test
    void closedPortFailsWithinTheTimeoutNamingTheBootstrapServers() throws Exception {
        String bootstrap = "127.0.0.1:" + closedPort();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        Duration timeout = Duration.ofSeconds(2);

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> KafkaReachability.check(p, timeout))
                .isInstanceOf(KafkaReachability.KafkaUnreachableException.class)
                .hasMessageContaining("bootstrap.servers=" + bootstrap)
                .hasMessageContaining("not reachable")
                .hasMessageContaining("2 s")
                .satisfies(e -> System.out.println("Closed port: " + e.getMessage()))
                .satisfies(e -> assertThat(((KafkaReachability.KafkaUnreachableException) e).bootstrapServers())
                        .isEqualTo(bootstrap));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("KafkaReachability against a closed port failed after " + elapsedMs + " ms (timeout 2000 ms)");
        assertThat(elapsedMs).isLessThan(timeout.toMillis() + 1_500);
    }

    @Test
    void callerTimeoutsCannotMakeTheCheckHang() throws Exception {
        String bootstrap = "127.0.0.1:" + closedPort();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("request.timeout.ms", "600000");
        p.put("default.api.timeout.ms", "600000");
        p.put("socket.connection.setup.timeout.ms", "600000");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> KafkaReachability.check(p, Duration.ofMillis(800)))
                .isInstanceOf(KafkaReachability.KafkaUnreachableException.class)
                .hasMessageContaining(bootstrap);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(800 + 1_500);
    }

    @Test
    void unresolvableHostFailsClearly() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "no-such-host.invalid:9092");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> KafkaReachability.check(p, Duration.ofSeconds(1)))
                .isInstanceOf(KafkaReachability.KafkaUnreachableException.class)
                .hasMessageContaining("no-such-host.invalid:9092")
                .satisfies(e -> System.out.println("Unresolvable host: " + e.getMessage()));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_000 + 1_500);
    }

    @Test
    void missingBootstrapServersIsRejected() {
        assertThatThrownBy(() -> KafkaReachability.check(new Properties(), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap.servers");
    }

    @Test
    void nonPositiveTimeoutIsRejected() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9092");
        assertThatThrownBy(() -> KafkaReachability.check(p, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void adminPropertiesAreBounded() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "h:1");
        p.put("request.timeout.ms", "600000");
        p.put("acks", "all");
        p.put("security.protocol", "PLAINTEXT");
        Properties admin = KafkaReachability.boundedAdminProperties(p, Duration.ofSeconds(3));
        assertThat(admin)
                .containsEntry("bootstrap.servers", "h:1")
                .containsEntry("security.protocol", "PLAINTEXT")
                .containsEntry("request.timeout.ms", "3000")
                .containsEntry("default.api.timeout.ms", "3000")
                .containsEntry("socket.connection.setup.timeout.ms", "3000")
                .containsEntry("socket.connection.setup.timeout.max.ms", "3000")
                .doesNotContainKey("acks");
    }
}
