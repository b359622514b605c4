package io.hebbscope.cli;

import io.hebbscope.broker.KafkaReachability;
import io.hebbscope.schema.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
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
        description = "Give up when the cluster does not answer within this many seconds (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

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
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    Topics topics(CommandLine cmd) {
        try {
            return new Topics(topicPrefix);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    /** Fails with a clear message, within the connect timeout, when the cluster does not answer. */
    Properties connect(CommandLine cmd) {
        if (connectTimeoutSeconds < 1) {
            throw new CommandLine.ParameterException(cmd, "--connect-timeout must be >= 1 second");
        }
        Properties p = clientProps(cmd);
        KafkaReachability.check(p, Duration.ofSeconds(connectTimeoutSeconds));
        return p;
    }
}
