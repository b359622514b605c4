package io.hebbscope.analyzer;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * Work an analyzer's start-up does one step after another, begun earlier beside other start-up work (the broker's
 * start, the trainer's preparation) by a command that starts everything at once. Each is only a warm-up: the
 * analyzer does the same itself when it was not done, and a failure here changes nothing but the time. Each runs on
 * a daemon thread of its own, so that it never keeps a JVM alive.
 */
public final class StartupWarmup {
    private StartupWarmup() {}

    private static Executor daemon(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        };
    }

    /**
     * RocksDB's native library (about 0.2 s, once per JVM), otherwise loaded as the analyzer starts (see
     * {@link StoreLibrary}); the library is the one kafka-streams brings, at its version.
     */
    public static CompletableFuture<Void> loadStoreLibrary() {
        return CompletableFuture.runAsync(StoreLibrary::load, daemon("hebbscope-warmup-rocksdb"));
    }

    /**
     * Asks the broker for a transaction coordinator, as the analyzer's exactly-once producer will: on a fresh broker
     * that creates and loads {@code __transaction_state} (0.1-0.3 s) now instead of after the analyzer's rebalance.
     * The lookup is made by describing a transactional id that does not exist; the expected "not found" is ignored.
     * On a secured cluster it needs DESCRIBE on that transactional id; without it this only fails, quietly.
     */
    public static CompletableFuture<Void> transactionCoordinator(Properties client, Duration limit) {
        return CompletableFuture.runAsync(() -> {
            Admin admin = Admin.create(client);
            try {
                admin.describeTransactions(List.of("hebbscope-startup-warmup")).all().get(limit.toMillis(),
                    TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception expected) {
                // TransactionalIdNotFoundException once the coordinator answers; anything else only costs the time
            } finally {
                admin.close(Duration.ZERO); // a call still pending after the limit is abandoned, not waited for
            }
        }, daemon("hebbscope-warmup-transactions"));
    }
}
