package io.hebbscope.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.Set;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * Logs events through the shipped logback.xml (in a context of its own, console captured) and checks which reach
 * the console and that all of them reach the log file.
 */
class ConsoleLoggingTest {

    @TempDir
    Path dir;

    @Test
    void knownHarmlessKafkaErrorsAndForeignWarningsStayInTheFileRealErrorsReachTheConsole() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        var err = System.err;
        var console = new ByteArrayOutputStream();
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        try {
            ShippedLogging.configure(context, getClass().getClassLoader().getResource("logback.xml"), dir, "unit");
            Logger broker = context.getLogger("kafka.server.ReplicaManager");
            Logger taskManager = context.getLogger("org.apache.kafka.streams.processor.internals.TaskManager");
            Logger streamThread = context.getLogger("org.apache.kafka.streams.processor.internals.StreamThread");

            // Known harmless: file only.
            broker.error("[ReplicaManager broker=1] Error processing append operation on partition x:benign-fresh-0",
                new OutOfOrderSequenceException("Invalid sequence number for producer 0 at offset 95 in partition "
                    + "hebbscope.neuron-alignment-1: 1 (incoming seq. number). Expected sequence 0 for transactions v2 "
                    + "idempotent producer with no existing state."));
            broker.error("[ReplicaManager broker=1] Error processing append operation on partition x:benign-behind-0",
                new OutOfOrderSequenceException("Out of order sequence number for producer 0 at offset 96 in partition "
                    + "hebbscope.plugin.stationarity-1: 3 (incoming seq. number), 0 (current end sequence number)"));
            taskManager.error("stream-thread [t-1] Get exceptions for the following tasks: {}",
                Map.of(new TaskId(1, 3), new TaskCorruptedException(Set.of(new TaskId(1, 3)))).toString());
            streamThread.error("benign-wrapped corruption",
                new StreamsException(new TaskCorruptedException(Set.of(new TaskId(0, 1)))));
            context.getLogger("kafka.server.ControllerApis").error("[ControllerApis nodeId=1] Unexpected error handling "
                    + "request RequestHeader(apiKey=CONTROLLER_REGISTRATION, apiVersion=0, clientId=1) benign-registration",
                new CompletionException(new NotControllerException("The active controller appears to be node 1.")));
            context.getLogger("org.apache.kafka.controller.EventPerformanceMonitor").error("[QuorumController id=1] "
                + "Exceptionally slow controller event writeNoOpRecord(1568538742) took 4358 ms. benign-slow-event");
            context.getLogger("org.apache.kafka.controller.ReplicationControlManager").error("[QuorumController id=1] "
                + "processExpiredBrokerHeartbeat: controller event queue overloaded. Timed out heartbeat from broker 1. "
                + "benign-expired-heartbeat");
            // Foreign warnings and info: file only.
            context.getLogger("org.apache.kafka.clients.NetworkClient").warn("benign-warning: connection could not be established");
            context.getLogger("kafka.server.BrokerServer").info("benign-info: broker started");

            // Real errors, and hebbscope's own warnings: console too.
            broker.error("real-broker-error on partition x", new KafkaStorageException("disk failed"));
            context.getLogger("kafka.server.ControllerApis").error("real-controller-error handling request "
                + "RequestHeader(apiKey=CREATE_TOPICS)", new CompletionException(new NotControllerException("no controller")));
            streamThread.error("real-streams-error", new StreamsException("state store failed"));
            context.getLogger("io.hebbscope.analyzer.Analyzer").error("real-own-error analyzer stopped",
                new IllegalStateException("topology failed"));
            context.getLogger("io.hebbscope.broker.EmbeddedKafkaBroker").warn("real-own-warning could not delete");
            context.getLogger("io.hebbscope.broker.EmbeddedKafkaBroker").info("own-info ready");
        } finally {
            context.stop();
            System.setErr(err);
        }

        String onConsole = console.toString(StandardCharsets.UTF_8);

        assertThat(onConsole).contains("real-broker-error", "disk failed", "real-controller-error", "real-streams-error", "real-own-error",
            "real-own-warning");
        assertThat(onConsole).doesNotContain("benign", "OutOfOrderSequenceException", "TaskCorruptedException",
            "own-info");

        Path file = dir.resolve("unit.log");
        assertThat(file).exists();
        assertThat(Files.readString(file)).contains("benign-fresh-0", "no existing state", "benign-behind-0",
            "TaskCorruptedException", "benign-wrapped", "benign-registration", "benign-slow-event", "benign-expired-heartbeat", "benign-warning", "benign-info", "real-broker-error",
            "real-own-error", "own-info");
    }

    /** A secured cluster's refusals: the command prints one line; the libraries' and the analyzer's reports stay in the file. */
    @Test
    void refusalsByASecuredClusterStayInTheFile() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        var err = System.err;
        var console = new ByteArrayOutputStream();
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        try {
            ShippedLogging.configure(context, getClass().getClassLoader().getResource("logback.xml"), dir, "refused");
            context.getLogger("org.apache.kafka.clients.NetworkClient").error("[AdminClient clientId=x] Connection to node -1 "
                + "(localhost/127.0.0.1:9092) failed authentication due to: Authentication failed during authentication due "
                + "to invalid credentials with SASL mechanism SCRAM-SHA-512 (refused-login)");
            context.getLogger("org.apache.kafka.clients.Metadata").error("[Producer clientId=p] Topic authorization failed "
                + "for topics [refused-topic]");
            context.getLogger("org.apache.kafka.clients.producer.internals.Sender").error("[Producer clientId=p] Aborting "
                + "producer batches due to fatal error", new ClusterAuthorizationException("Cluster authorization failed. (refused-cluster)"));
            context.getLogger("io.hebbscope.analyzer.Analyzer").error("analyzer stopped on an unexpected error (refused-group)",
                new StreamsException(new GroupAuthorizationException("Not authorized to access group: g")));
            context.getLogger("org.apache.kafka.streams.processor.internals.StreamThread").error("refused-txn",
                new StreamsException(new TransactionalIdAuthorizationException("Transactional Id authorization failed.")));
            context.getLogger("org.apache.kafka.clients.consumer.internals.ConsumerCoordinator").error("refused-read",
                new TopicAuthorizationException(Set.of("t")));
            context.getLogger("org.apache.kafka.clients.NetworkClient").error("real-other-error: connection reset");
        } finally {
            context.stop();
            System.setErr(err);
        }
        String onConsole = console.toString(StandardCharsets.UTF_8);
        assertThat(onConsole).contains("real-other-error").doesNotContain("refused");
        assertThat(Files.readString(dir.resolve("refused.log"))).contains("refused-login", "refused-topic", "refused-cluster",
            "refused-group", "refused-txn", "refused-read");
    }
}
