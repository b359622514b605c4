package io.hebbscope.cli;

import io.hebbscope.schema.TopicSetup;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How the topics a command creates are replicated. The embedded single broker needs neither option; on a cluster of
 * three or more brokers, replication 3 with min ISR 2 (the producers already use acks=all) loses no step when one
 * broker goes down (docs/cluster.md).
 */
final class ReplicationOptions {
    @Option(names = {"--replication-factor", "--replication"}, defaultValue = "-1", paramLabel = "N",
        description = "Replication factor of the topics this command creates; -1: the broker's default "
            + "(default: ${DEFAULT-VALUE}).")
    short replication;

    @Option(names = "--min-insync-replicas", defaultValue = "-1", paramLabel = "N",
        description = "min.insync.replicas of the topics this command creates: with acks=all, a write needs this many "
            + "replicas; -1: the broker's default (default: ${DEFAULT-VALUE}).")
    int minInsyncReplicas;

    /** Checks the two against each other; bad values are a usage error (exit code 2). */
    void validate(CommandLine cmd) {
        try {
            TopicSetup.requireValidReplicas(replication, minInsyncReplicas);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--replication-factor / --min-insync-replicas: " + e.getMessage());
        }
    }
}
