package io.hebbscope.cli;

import io.hebbscope.broker.KafkaReachability;
import io.hebbscope.schema.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How to reach a Kafka cluster: bootstrap servers plus an optional client properties file (security settings). */
final class KafkaOptions {
    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
        description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--client-config", paramLabel = "FILE",
        description = "Kafka client properties (security.protocol, sasl.*, ssl.* ...) applied to every client.")
    Path clientConfig;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "PREFIX",
        description = "Prefix of every hebbscope topic (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--connect-timeout", defaultValue = "15", paramLabel = "SECONDS",
        description = "Give up when the cluster does not answer within this many seconds of the command's start "
            + "(default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    /** However late the check starts (a slow JVM start on a busy machine), it gets at least this long. */
    static final long MIN_CHECK_MS = 1_000;

    Properties clientProps(CommandLine cmd) {
        Properties p = new Properties();
        if (clientConfig != null) {
            if (!Files.isRegularFile(clientConfig)) {
                throw new CommandLine.ParameterException(cmd, "client config file not found: " + clientConfig.toAbsolutePath());
            }
            try (Reader r = Files.newBufferedReader(clientConfig)) {
                p.load(r);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cmd, "cannot read client config " + clientConfig.toAbsolutePath()
                    + ": " + e.getMessage());
            }
        }
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, requireValidBootstrap(cmd, "--bootstrap-servers", bootstrapServers));
        return p;
    }

    /**
     * Checks the form of a bootstrap server list (HOST:PORT[,HOST:PORT...], port 1-65535) without resolving the hosts:
     * a malformed list is a bad option (exit code 2), an unresolvable host a runtime failure (1).
     */
    static String requireValidBootstrap(CommandLine cmd, String option, String servers) {
        if (servers == null || servers.isBlank()) {
            throw new CommandLine.ParameterException(cmd, option + " must name at least one HOST:PORT");
        }
        for (String server : servers.split(",")) {
            String s = server.trim();
            String host = Utils.getHost(s);
            Integer port = Utils.getPort(s);
            if (host == null || host.isEmpty() || port == null || port < 1 || port > 65535) {
                throw new CommandLine.ParameterException(cmd, option + ": '" + s + "' is not HOST:PORT with a port 1-65535");
            }
        }
        return servers;
    }

    Topics topics(CommandLine cmd) {
        try {
            return new Topics(topicPrefix);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    /**
     * Fails with a clear message when the cluster does not answer within the connect timeout, counted from the
     * command's start (see {@link CommandClock}); a client configuration Kafka rejects is a bad option (exit code 2).
     */
    Properties connect(CommandLine cmd) {
        if (connectTimeoutSeconds < 1) {
            throw new CommandLine.ParameterException(cmd, "--connect-timeout must be >= 1 second");
        }
        Properties p = clientProps(cmd);
        try {
            check(p, Duration.ofSeconds(connectTimeoutSeconds));
        } catch (KafkaReachability.KafkaUnreachableException e) {
            ConfigException config = configProblem(e);
            if (config != null) {
                throw new CommandLine.ParameterException(cmd, "invalid Kafka client configuration: " + config.getMessage());
            }
            throw e;
        }
        return p;
    }

    /**
     * Runs the reachability check with a hard deadline: what is left of {@code timeout} since the command's start
     * (at least {@link #MIN_CHECK_MS}). The check runs on a thread of its own, so nothing it waits for (creating or
     * closing the client) can stretch the deadline.
     */
    static void check(Properties client, Duration timeout) {
        long leftMs = Math.max(MIN_CHECK_MS, timeout.toMillis() - CommandClock.elapsedMillis());
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                KafkaReachability.check(client, Duration.ofMillis(leftMs));
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "kafka-reachability");
        t.setDaemon(true);
        t.start();
        String bootstrap = String.valueOf(client.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        try {
            done.get(leftMs + 200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new KafkaReachability.KafkaUnreachableException("Kafka is not reachable at bootstrap.servers=" + bootstrap
                + ": no broker answered within " + timeout.toSeconds() + " s", bootstrap, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaReachability.KafkaUnreachableException("interrupted while reaching Kafka at " + bootstrap, bootstrap, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The client configuration error behind a failed check, if that is what it was (not an unresolvable host). */
    private static ConfigException configProblem(Throwable e) {
        for (Throwable c = e; c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof ConfigException config && (config.getMessage() == null
                || !config.getMessage().startsWith("No resolvable bootstrap urls"))) {
                return config;
            }
        }
        return null;
    }
}
