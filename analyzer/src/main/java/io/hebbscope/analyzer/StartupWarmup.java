package io.hebbscope.analyzer;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.rocksdb.RocksDB;

/**
 * Work an analyzer's start-up does one step after another, begun earlier beside other start-up work (the broker's
 * start, the trainer's preparation) by a command that starts everything at once. Each is only a warm-up: the
 * analyzer does the same itself when it was not done, and a failure here changes nothing but the time.
 */
public final class StartupWarmup {
    private StartupWarmup() {}

    /** RocksDB's native library (about 0.2 s, once per JVM), otherwise loaded as the first task opens its stores. */
    public static CompletableFuture<Void> loadStoreLibrary() {
        return CompletableFuture.runAsync(RocksDB::loadLibrary);
    }

    /**
     * Asks the broker for a transaction coordinator, as the analyzer's exactly-once producer will: on a fresh broker
     * that creates and loads {@code __transaction_state} (0.1-0.3 s) now instead of after the analyzer's rebalance.
     * The lookup is made by describing a transactional id that does not exist; the expected "not found" is ignored.
     */
    public static CompletableFuture<Void> transactionCoordinator(Properties client, Duration limit) {
        return CompletableFuture.runAsync(() -> {
            try (Admin admin = Admin.create(client)) {
                admin.describeTransactions(List.of("hebbscope-startup-warmup")).all().get(limit.toMillis(),
                    TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception expected) {
                // TransactionalIdNotFoundException once the coordinator answers; anything else only costs the time
            }
        });
    }
}
