package io.hebbscope.cli;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How long an in-process broker may take to start. A busy machine can take more than a minute (54-76 s were
 * measured under load), so the bound is generous; while the broker starts, the elapsed time is shown every
 * {@link #PROGRESS_EVERY}.
 */
final class BrokerStartOptions {
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    @Option(names = "--broker-start-timeout", defaultValue = "600", paramLabel = "SECONDS",
        description = "How long the in-process Kafka broker may take to start before the command gives up "
            + "(default: ${DEFAULT-VALUE}).")
    int brokerStartTimeoutSeconds;

    Duration timeout(CommandLine cmd) {
        if (brokerStartTimeoutSeconds < 1) {
            throw new CommandLine.ParameterException(cmd, "--broker-start-timeout must be >= 1 second, got "
                + brokerStartTimeoutSeconds);
        }
        return Duration.ofSeconds(brokerStartTimeoutSeconds);
    }

    /** Starts the broker with this timeout, printing "(N s)" to {@code out} every {@code every} while it starts. */
    EmbeddedKafkaBroker start(CommandLine cmd, EmbeddedKafkaBroker.Builder builder, PrintWriter out) {
        return start(builder.startTimeout(timeout(cmd)), out, PROGRESS_EVERY);
    }

    static EmbeddedKafkaBroker start(EmbeddedKafkaBroker.Builder builder, PrintWriter out, Duration every) {
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "broker-start-progress");
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        progress.scheduleAtFixedRate(() -> {
            out.print("(" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s) ");
            out.flush();
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return builder.build().start();
        } finally {
            progress.shutdownNow();
        }
    }
}
