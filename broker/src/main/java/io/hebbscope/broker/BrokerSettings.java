package io.hebbscope.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The configuration of a single-node lab broker: the defaults {@link EmbeddedKafkaBroker} documents, then overrides. */
final class BrokerSettings {
    static final String LOG_DIR_NAME = "kafka-logs";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    /** The client listener's name when the broker is secured. */
    static final String SASL_LISTENER = "SASL_PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private BrokerSettings() {}

    static Properties of(String host, int brkPort, int ctrlPort, Path dataDir, Duration startTimeout,
                         Map<String, String> overrides) {
        return of(host, brkPort, ctrlPort, dataDir, startTimeout, null, overrides);
    }

    /** @param security SASL and ACLs, or null for a broker without either (PLAINTEXT, no authorizer) */
    static Properties of(String host, int brkPort, int ctrlPort, Path dataDir, Duration startTimeout,
                         BrokerSecurity security, Map<String, String> overrides) {
        String adv = hostForClients(host);
        String client = security == null ? BROKER_LISTENER : SASL_LISTENER;
        String protocol = security == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(EmbeddedKafkaBroker.NODE_ID));
        p.put("listeners", client + "://" + host + ":" + brkPort + "," + CONTROLLER_LISTENER + "://" + host + ":" + ctrlPort);
        p.put("advertised.listeners", client + "://" + adv + ":" + brkPort + "," + CONTROLLER_LISTENER + "://" + adv + ":" + ctrlPort);
        p.put("listener.security.protocol.map", client + ":" + protocol + "," + CONTROLLER_LISTENER + ":" + protocol);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", client);
        if (security != null) {
            secure(p, security);
        }
        p.put("controller.quorum.bootstrap.servers", adv + ":" + ctrlPort);
        p.put("log.dirs", dataDir.resolve(LOG_DIR_NAME).toAbsolutePath().toString());
        // Kafka's own startup waits (for the quorum, registration, catch-up) are unbounded by default.
        p.put("server.max.startup.time.ms", Long.toString(startTimeout.toMillis()));

        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");

        p.put("message.max.bytes", Integer.toString(EmbeddedKafkaBroker.MAX_MESSAGE_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(EmbeddedKafkaBroker.MAX_MESSAGE_BYTES));
        p.put("log.retention.bytes", "-1");
        p.put("log.retention.hours", Integer.toString(30 * 24));
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        // A single-node lab broker: fewer threads than the production defaults.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "4");

        p.putAll(overrides);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /**
     * SCRAM-SHA-512 on the client (and inter-broker) listener, PLAIN for admin alone on the controller listener (Kafka
     * does not offer SCRAM there), the StandardAuthorizer with admin as the only super user and no access without an ACL.
     */
    private static void secure(Map<String, String> p, BrokerSecurity security) {
        String pw = security.adminPassword();
        String sasl = "listener.name." + SASL_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        p.put("sasl.enabled.mechanisms", BrokerSecurity.MECHANISM);
        p.put(sasl + "sasl.enabled.mechanisms", BrokerSecurity.MECHANISM);
        p.put(sasl + BrokerSecurity.MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
            BrokerSecurity.jaas("org.apache.kafka.common.security.scram.ScramLoginModule", BrokerSecurity.ADMIN, pw));
        p.put("sasl.mechanism.inter.broker.protocol", BrokerSecurity.MECHANISM);
        String ctrl = "listener.name." + CONTROLLER_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        p.put(ctrl + "sasl.enabled.mechanisms", "PLAIN");
        // username/password: what this node sends to its controller; user_admin: the one login the controller accepts
        p.put(ctrl + "plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + BrokerSecurity.ADMIN + "\" password=\"" + pw + "\" user_" + BrokerSecurity.ADMIN + "=\"" + pw + "\";");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + BrokerSecurity.ADMIN);
        p.put("allow.everyone.if.no.acl.found", "false");
    }

    /** The address clients are told: the host itself, or 127.0.0.1 when it is a wildcard address. */
    static String hostForClients(String host) {
        try {
            InetAddress a = InetAddress.getByName(host);
            return a.isAnyLocalAddress() ? "127.0.0.1" : host;
        } catch (IOException e) {
            return host;
        }
    }
}
