package io.hebbscope.cli;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.broker.security.SecurityFile;
import io.hebbscope.cli.logging.LogFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A standalone single-node KRaft broker for `train` and `analyze` on one machine. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Run a local single-node Kafka broker (KRaft) until Ctrl-C; its data survives restarts.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Listen address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "9092", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", defaultValue = "hebbscope-data/kafka", paramLabel = "DIR",
        description = "Where the log lives (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--security", paramLabel = "FILE",
        description = "Require SASL (SCRAM-SHA-512) logins and ACLs: users, passwords and hebbscope roles from this "
            + "properties file (see docs/security.md).")
    Path security;

    @CommandLine.Mixin
    BrokerStartOptions brokerStart;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(cmd, "--port must be 1..65535, got " + port);
        }
        brokerStart.timeout(cmd);
        SecurityFile securityFile = null;
        if (security != null) {
            try {
                securityFile = SecurityFile.read(security);
            } catch (SecurityFile.InvalidException e) {
                throw new CommandLine.ParameterException(cmd, e.getMessage());
            }
            String warning = securityFile.permissionWarning();
            if (warning != null) {
                cmd.getErr().println(warning);
            }
        }
        LogFile.announce(cmd.getOut());
        cmd.getOut().print("starting Kafka ... ");
        cmd.getOut().flush();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().host(host).brokerPort(port).dataDir(dataDir)
            .keepData(true);
        if (securityFile != null) {
            builder.security(securityFile.brokerSecurity());
        }
        try (EmbeddedKafkaBroker broker = brokerStart.start(cmd, builder, cmd.getOut())) {
            // On Ctrl-C the JVM exits once the hooks return: the hook waits for a clean shutdown of the log.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    closed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "broker-shutdown"));
            cmd.getOut().printf("%nKafka broker running: --bootstrap-servers %s (data in %s); Ctrl-C to stop%n",
                broker.bootstrapServers(), dataDir.toAbsolutePath());
            if (securityFile != null) {
                cmd.getOut().printf("secured: SASL_PLAINTEXT with %s logins and ACLs for %s; clients need --client-config"
                    + " (docs/security.md)%n", io.hebbscope.broker.BrokerSecurity.MECHANISM, securityFile.describeUsers());
            }
            stop.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
