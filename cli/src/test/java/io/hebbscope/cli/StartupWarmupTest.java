package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.StartupWarmup;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.junit.jupiter.api.Test;

/** The demo's start-up warm-ups against a real fresh broker. */
class StartupWarmupTest {

    @Test
    void askingForATransactionCoordinatorCreatesTheTransactionLogOnAFreshBroker() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                assertThat(internalTopics(admin)).doesNotContain("__transaction_state");
                // completes normally although the transactional id it describes does not exist
                StartupWarmup.transactionCoordinator(client, Duration.ofMinutes(2)).get(3, TimeUnit.MINUTES);
                assertThat(internalTopics(admin)).contains("__transaction_state");
            }
        }
    }

    @Test
    void theStoreLibraryLoads() throws Exception {
        assertThat(StartupWarmup.loadStoreLibrary()).succeedsWithin(Duration.ofMinutes(2));
    }

    private static java.util.Set<String> internalTopics(Admin admin) throws Exception {
        return admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(2, TimeUnit.MINUTES);
    }
}
