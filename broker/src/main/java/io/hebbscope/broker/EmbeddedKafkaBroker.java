package io.hebbscope.broker;

import io.hebbscope.schema.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().build().start()) {
 *     kafka.createTopics(List.of(new NewTopic("events", 1, (short) 1)));
 *     Properties props = kafka.adminProperties();   // bootstrap.servers=127.0.0.1:<port>
 *     ...
 * }
 * }</pre>
 *
 * <h2>Storage</h2>
 * Without {@link Builder#dataDir(Path)} the broker runs in a fresh temporary directory that
 * {@link #close()} deletes (unless {@link Builder#keepData(boolean) keepData(true)}). With a data directory
 * the broker keeps its log in {@code <dataDir>/kafka-logs} and its generated configuration in
 * {@code <dataDir>/server.properties}; the log directory is formatted ({@code kafka-storage format
 * --standalone}) only when it holds no {@code meta.properties}, so a restart on the same directory keeps
 * the cluster id, the topics and their records. With {@code keepData(false)} {@link #close()} removes
 * those two entries (and the directory itself only if this class created it), never other files.
 *
 * <h2>Ports</h2>
 * Port 0 (the default) picks a free port (if another process takes it before the broker binds it, the
 * start is retried with new ports). The broker address is {@link #bootstrapServers()}. A restart on a kept
 * data directory may use different ports: a standalone quorum's single voter elects itself and updates its
 * recorded endpoint.
 *
 * <h2>Settings</h2>
 * {@code process.roles=broker,controller}, node id 1, PLAINTEXT and CONTROLLER listeners on the host
 * (default 127.0.0.1), replication factor 1 and min ISR 1 for the internal topics (with a single partition
 * each, so the first consumer group or transaction starts fast), {@code group.initial.rebalance.delay.ms=0},
 * no automatic topic creation, {@code message.max.bytes} / {@code replica.fetch.max.bytes} of 8 MiB,
 * unlimited retention by size and 30 days by time, one partition per topic by default and a small
 * log-cleaner dedupe buffer (16 MiB instead of 128 MiB of heap). Every setting can be overridden with
 * {@link Builder#brokerProperty(String, String)}. Topics that receive records above 1 MiB also need their
 * topic config {@code max.message.bytes} raised (or rely on the broker default set here) and producers
 * need {@code max.request.size}.
 *
 * <h2>Security</h2>
 * With {@link Builder#security(BrokerSecurity)} both listeners speak {@code SASL_PLAINTEXT} (the client listener,
 * named {@code SASL_PLAINTEXT}, SCRAM-SHA-512; the controller listener PLAIN for {@code admin} only), the
 * StandardAuthorizer enforces the given ACLs ({@code super.users=User:admin}, nothing allowed without an ACL), and
 * every start makes the users and ACLs exactly those given. {@link #adminProperties()} then carry admin's SASL
 * settings and {@link #clientProperties(String)} those of a user. {@code server.properties}, which holds the admin
 * password, is readable by its owner only.
 *
 * <h2>Logging</h2>
 * The broker logs through SLF4J and is chatty: at INFO it prints several hundred lines per start and stop.
 * This library ships no logging configuration; applications embedding it should set:
 * <ul>
 *   <li>{@code kafka} (the Scala broker: {@code kafka.server}, {@code kafka.network}, {@code kafka.log},
 *       {@code kafka.coordinator} ...), {@code org.apache.kafka} (controller, raft, metadata, storage,
 *       coordinators and the clients), {@code state.change.logger}, {@code kafka.request.logger}: WARN.</li>
 *   <li>ERROR for the loggers that still warn harmlessly on every start or stop (measured with Kafka 4.4.0):
 *     <ul>
 *       <li>{@code org.apache.kafka.controller.QuorumController}: "Performing controller activation ..." on every start;</li>
 *       <li>{@code org.apache.kafka.clients.NetworkClient}: "Attempting to close NetworkClient that has already
 *           been closed" on every stop; on the client side also "Connection to node -1 ... could not be
 *           established" once per reconnect attempt while a broker is down or stopping, and
 *           "UNKNOWN_TOPIC_OR_PARTITION" while a topic does not exist yet.</li>
 *     </ul></li>
 * </ul>
 * The broker also logs ERRORs with an {@code OutOfOrderSequenceException} from {@code kafka.server.ReplicaManager}
 * when a producer's first batches to a fresh partition arrive out of order, and after a transactional producer
 * restarts; the producer retries them (the hebbscope command's {@code logback.xml} keeps them off the console).
 * {@code org.apache.kafka.clients.ClientUtils} warns once when a bootstrap host does not resolve (useful).
 * A broker that fails to bind its port logs ERRORs with long stack traces from {@code kafka.network} and
 * {@code kafka.server.BrokerServer}; explicitly requested ports are therefore checked before the broker starts.
 * {@code io.hebbscope.broker} logs one INFO line per start and stop.
 *
 * <p>Instances start once; to restart, build a new one on the same data directory. Thread-safe for the
 * accessors; {@link #start()} and {@link #close()} are meant to be called from one thread.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** The node id of the single broker/controller. */
    public static final int NODE_ID = 1;
    /** 8 MiB: broker {@code message.max.bytes} and {@code replica.fetch.max.bytes}. */
    public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
    /** Default for {@link Builder#startTimeout(Duration)}. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(10);

    private static final int BIND_ATTEMPTS = 3;

    private final DataDirectory data;
    private final String host;
    private final int requestedBrokerPort;
    private final int requestedControllerPort;
    private final Map<String, String> overrides;
    private final Duration startTimeout;
    private final BrokerSecurity security;

    private enum State { NEW, STARTING, RUNNING, CLOSED }

    private volatile State state = State.NEW;
    private Path dataDir;
    private volatile KafkaRaftServer server;
    private volatile String bootstrapServers;
    private volatile String clusterId;
    private volatile int brokerPort = -1;
    private volatile int controllerPort = -1;
    private Admin admin;

    private EmbeddedKafkaBroker(Builder b) {
        this.data = new DataDirectory(b.dataDir, b.keepData);
        this.host = b.host;
        this.requestedBrokerPort = b.brokerPort;
        this.requestedControllerPort = b.controllerPort;
        this.overrides = Map.copyOf(b.overrides);
        this.startTimeout = b.startTimeout;
        this.security = b.security;
    }

    /** A builder with the defaults: temporary data dir deleted on close, 127.0.0.1, free ports. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the storage if needed, starts the broker and waits until an Admin client can describe the
     * cluster.
     *
     * @return this, for {@code try (var kafka = EmbeddedKafkaBroker.builder().build().start())}
     * @throws IllegalStateException when called twice or after {@link #close()}
     * @throws BrokerStartException  when the storage cannot be formatted, the broker fails to start, or
     *                               it is not ready within the start timeout; the broker is then stopped
     *                               and a temporary data dir deleted
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (state != State.NEW) {
            throw new IllegalStateException("EmbeddedKafkaBroker can be started once; state is " + state);
        }
        state = State.STARTING;
        long t0 = System.nanoTime();
        long deadline = t0 + startTimeout.toNanos();
        try {
            dataDir = data.create();
            String previousAdminPassword = security == null ? null : previousAdminPassword(deadline);
            BrokerStartException lastBindFailure = null;
            KafkaExitGuard.install();
            try {
                for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
                    try {
                        startOnce(deadline, previousAdminPassword);
                        lastBindFailure = null;
                        break;
                    } catch (PortInUseException e) {
                        // Only possible with ports we picked ourselves (another process grabbed one in between).
                        lastBindFailure = new BrokerStartException(e.getMessage(), e.getCause());
                        LOG.debug("Port taken between choosing and binding it, retrying: {}", e.getMessage());
                    }
                }
            } finally {
                KafkaExitGuard.uninstall();
            }
            if (lastBindFailure != null) {
                throw lastBindFailure;
            }
            state = State.RUNNING;
            LOG.info("Kafka broker ready at {} (cluster {}, data {}) in {} ms", bootstrapServers, clusterId, dataDir,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return this;
        } catch (RuntimeException | Error e) {
            state = State.CLOSED;
            stopServer();
            data.cleanUp();
            throw e;
        } catch (Exception e) { // undeclared checked exceptions from Scala code
            state = State.CLOSED;
            stopServer();
            data.cleanUp();
            throw new BrokerStartException("Kafka broker failed to start (data " + dataDir + "): " + causeChain(e), e);
        }
    }

    /**
     * For a secured start on a directory used before: the admin password of the last start (admin's SCRAM credential
     * still holds it), or null. A directory used without security gets admin's credential first, from a short start
     * without security on a free loopback port.
     */
    private String previousAdminPassword(long deadline) {
        Properties now = BrokerSettings.of(host, 1, 2, dataDir, startTimeout, security, overrides);
        Properties previous = KraftStorage.previousConfig(dataDir);
        if (previous == null || !KraftStorage.isFormatted(now)) {
            return null;
        }
        String password = KraftStorage.adminPassword(previous);
        if (password == null) {
            addAdminCredentialWithoutSecurity(deadline);
        }
        return password;
    }

    private void addAdminCredentialWithoutSecurity(long deadline) {
        LOG.info("The Kafka data directory {} was used without security: adding admin's SCRAM credential first", dataDir);
        Builder b = builder().dataDir(dataDir).keepData(true)
            .startTimeout(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (overrides.containsKey("log.dirs")) {
            b.brokerProperty("log.dirs", overrides.get("log.dirs"));
        }
        try (EmbeddedKafkaBroker plain = b.build().start(); Admin a = Admin.create(plain.adminProperties())) {
            a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(BrokerSecurity.ADMIN,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SecuritySync.ITERATIONS), security.adminPassword())))
                .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new BrokerStartException("Cannot add admin's SCRAM credential to the Kafka data directory " + dataDir
                + ": " + causeChain(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("Interrupted while adding admin's SCRAM credential", e);
        }
    }

    private void startOnce(long deadline, String previousAdminPassword) {
        // Fixed ports are checked first: a clear message, and none of Kafka's ERROR stack traces.
        if (requestedBrokerPort > 0 && !Ports.isFree(host, requestedBrokerPort)) {
            throw new BrokerStartException("Cannot start the Kafka broker: broker port " + host + ":" + requestedBrokerPort
                    + " is already in use", null);
        }
        if (requestedControllerPort > 0 && !Ports.isFree(host, requestedControllerPort)) {
            throw new BrokerStartException("Cannot start the Kafka broker: controller port " + host + ":"
                    + requestedControllerPort + " is already in use", null);
        }
        int ctrlPort = chooseControllerPort();
        int brkPort = requestedBrokerPort > 0 ? requestedBrokerPort : Ports.free(host);
        while (brkPort == ctrlPort) {
            brkPort = Ports.free(host);
        }
        Properties props = BrokerSettings.of(host, brkPort, ctrlPort, dataDir, startTimeout, security, overrides);
        long tFormat = System.nanoTime();
        clusterId = KraftStorage.prepare(props, dataDir, security);
        LOG.debug("Storage ready in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tFormat));

        KafkaConfig config;
        try {
            config = KafkaConfig.fromProps(props, false);
        } catch (RuntimeException e) {
            throw new BrokerStartException("Invalid Kafka broker configuration: " + e.getMessage(), e);
        }
        long tStartup = System.nanoTime();
        KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
        server = s;
        try {
            s.startup();
            LOG.debug("KafkaRaftServer.startup() took {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tStartup));
        } catch (Exception e) { // Scala code throws checked exceptions (e.g. TimeoutException) undeclared
            stopServer();
            String why = "Kafka broker failed to start (start timeout " + startTimeout.toMillis() + " ms, broker port "
                    + brkPort + ", controller port " + ctrlPort + ", data " + dataDir + "): " + causeChain(e);
            boolean fixedPortTaken = (requestedBrokerPort > 0 && !Ports.isFree(host, requestedBrokerPort))
                    || (requestedControllerPort > 0 && !Ports.isFree(host, requestedControllerPort));
            if (Ports.isBindFailure(e) && !fixedPortTaken) {
                // A port we picked was taken by someone else in the meantime: start() retries with new ones.
                throw new PortInUseException(why, e);
            }
            throw new BrokerStartException(why, e);
        }
        brokerPort = brkPort;
        controllerPort = ctrlPort;
        bootstrapServers = BrokerSettings.hostForClients(host) + ":" + brkPort;
        long tReady = System.nanoTime();
        SecuritySync sync = security == null ? null : new SecuritySync(security, bootstrapServers, deadline);
        if (sync != null) {
            sync.credentials(previousAdminPassword);
        }
        awaitReady(deadline);
        LOG.debug("Broker answered describeCluster after {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tReady));
        if (sync != null) {
            long tAcls = System.nanoTime();
            sync.acls();
            sync.awaitEnforced();
            LOG.debug("Users and ACLs in force after {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tAcls));
        }
    }

    private void awaitReady(long deadline) {
        Throwable last = null;
        while (true) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMs <= 0) {
                throw new BrokerStartException("Kafka broker at " + bootstrapServers + " was not ready within "
                        + startTimeout.toMillis() + " ms (data " + dataDir + ")"
                        + (last == null ? "" : ": " + last.getMessage()), last);
            }
            try {
                var info = KafkaReachability.describe(adminProperties(), Duration.ofMillis(Math.min(leftMs, 5_000)));
                if (info.nodes().stream().anyMatch(n -> n.id() == NODE_ID)) {
                    return;
                }
            } catch (KafkaReachability.KafkaUnreachableException e) {
                last = e;
            }
            sleep(50);
        }
    }

    /** Bootstrap servers of the running broker, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        String b = bootstrapServers;
        if (b == null) {
            throw new IllegalStateException("EmbeddedKafkaBroker is not started");
        }
        return b;
    }

    /**
     * Fresh client properties holding just {@code bootstrap.servers} (and, for a {@link Builder#security secured}
     * broker, the SASL settings of the super user {@code admin}): usable as they are for an Admin client, and as
     * the base of producer, consumer and Streams properties.
     */
    public Properties adminProperties() {
        Properties p = new Properties();
        if (security != null) {
            p.putAll(BrokerSecurity.clientProperties(BrokerSecurity.ADMIN, security.adminPassword()));
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /**
     * Client properties of one of the {@link Builder#security secured} broker's users: {@code bootstrap.servers},
     * {@code security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=SCRAM-SHA-512} and its {@code sasl.jaas.config}.
     *
     * @throws IllegalStateException when the broker is not secured or not started
     * @throws IllegalArgumentException when there is no such user
     */
    public Properties clientProperties(String user) {
        if (security == null) {
            throw new IllegalStateException("EmbeddedKafkaBroker is not secured: it has no users");
        }
        String password = BrokerSecurity.ADMIN.equals(user) ? security.adminPassword() : security.users().get(user);
        if (password == null) {
            throw new IllegalArgumentException("no user '" + user + "' (users: " + security.users().keySet() + ")");
        }
        Properties p = BrokerSecurity.clientProperties(user, password);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** The SASL users and ACLs this broker enforces, or null when it is not secured. */
    public BrokerSecurity security() {
        return security;
    }

    /** The port clients connect to (valid after {@link #start()}). */
    public int brokerPort() {
        requireStarted();
        return brokerPort;
    }

    /** The KRaft controller port (valid after {@link #start()}). */
    public int controllerPort() {
        requireStarted();
        return controllerPort;
    }

    /** The cluster id stored in {@code meta.properties} (stable across restarts on a kept data dir). */
    public String clusterId() {
        requireStarted();
        return clusterId;
    }

    /** The data directory (the temporary one when none was given). */
    public Path dataDir() {
        requireStarted();
        return dataDir;
    }

    /** Whether the broker has been started and not closed. */
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /**
     * Creates the topics that do not exist yet and waits until every partition of them has a leader that serves it
     * (waiting up to {@link TopicSetup#SERVING_TIMEOUT}, generous for busy machines).
     * Topics that already exist are left as they are (their partition count or configs are not changed).
     *
     * @throws IllegalStateException when the broker is not running
     * @throws KafkaOperationException when creation fails for another reason, takes over 30 s, or the partitions are
     *         not served in time
     */
    public synchronized void createTopics(Collection<NewTopic> topics) {
        if (state != State.RUNNING) {
            throw new IllegalStateException("EmbeddedKafkaBroker is not running (state " + state + ")");
        }
        if (topics.isEmpty()) {
            return;
        }
        Admin a = admin();
        CreateTopicsResult result = a.createTopics(topics);
        List<String> names = new ArrayList<>();
        for (var e : result.values().entrySet()) {
            names.add(e.getKey());
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new KafkaOperationException("Could not create topic " + e.getKey() + " on "
                            + bootstrapServers + ": " + ex.getCause().getMessage(), ex.getCause());
                }
            } catch (TimeoutException ex) {
                throw new KafkaOperationException("Timed out creating topic " + e.getKey() + " on " + bootstrapServers, ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new KafkaOperationException("Interrupted while creating topic " + e.getKey(), ex);
            }
        }
        // Creation is acknowledged by the controller; wait until every partition has a leader that serves it. A
        // producer's first batches to a partition still being created can be turned away out of order and, on a busy
        // machine, retried until their delivery timeout (stack notes, KAFKA-15591): seen in EventPublisherTest.
        try {
            TopicSetup.awaitServing(a, names, TopicSetup.SERVING_TIMEOUT);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KafkaOperationException("Interrupted while waiting for topics " + names, ex);
        } catch (IllegalStateException ex) {
            throw new KafkaOperationException("Topics " + names + " not served on " + bootstrapServers
                    + " after creation: " + ex.getMessage(), ex);
        }
    }

    /**
     * Stops the broker with a controlled shutdown, waits for it, and deletes the data directory unless it
     * is kept. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasStarted = state != State.NEW;
        state = State.CLOSED;
        long t0 = System.nanoTime();
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
        stopServer();
        if (wasStarted) {
            data.cleanUp();
            LOG.info("Kafka broker at {} stopped in {} ms", bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + (bootstrapServers == null ? "not started" : bootstrapServers) + ", " + state + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private int chooseControllerPort() {
        // A changed controller port is fine on restart: the single voter elects itself and the leader
        // updates its own endpoint (measured; see RestartOnKeptDataDirTest).
        return requestedControllerPort > 0 ? requestedControllerPort : Ports.free(host);
    }

    /** The distinct messages along a cause chain, e.g. "fatal error ...: caused by: Socket server failed to bind ...". */
    private static String causeChain(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 5; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m);
            }
        }
        return String.join(": caused by: ", parts);
    }

    private void stopServer() {
        KafkaRaftServer s = server;
        server = null;
        if (s == null) {
            return;
        }
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (Exception e) {
            LOG.warn("Error while stopping the Kafka broker at {}: {}", bootstrapServers, e.toString());
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties p = adminProperties();
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "hebbscope-embedded-broker-admin");
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
            admin = Admin.create(p);
        }
        return admin;
    }

    private void requireStarted() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("EmbeddedKafkaBroker is not started");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("Interrupted while waiting for the Kafka broker", e);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Options for an {@link EmbeddedKafkaBroker}. */
    public static final class Builder {
        private Path dataDir;
        private boolean keepData;
        private String host = "127.0.0.1";
        private int brokerPort;
        private int controllerPort;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private BrokerSecurity security;

        private Builder() {
        }

        /**
         * Authentication (SASL: SCRAM-SHA-512 for clients, PLAIN for the controller listener) and authorization
         * (ACLs, nothing allowed without one) with these users and ACLs, applied on every start; see
         * {@link BrokerSecurity}. Default: none (PLAINTEXT, every client may do everything).
         */
        public Builder security(BrokerSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** The data directory (created if missing). Default: a fresh temporary directory. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Keep the data on {@link #close()} so that a later broker on the same {@link #dataDir} sees it. Default false. */
        public Builder keepData(boolean keep) {
            this.keepData = keep;
            return this;
        }

        /** The address both listeners bind to and that clients are told. Default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The client (PLAINTEXT) port; 0 picks a free one. Default 0. */
        public Builder brokerPort(int port) {
            this.brokerPort = checkPort(port);
            return this;
        }

        /** The KRaft controller port; 0 picks a free one. Default 0. */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        /** Sets or overrides one broker property (applied after all defaults). */
        public Builder brokerProperty(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Sets or overrides broker properties (applied after all defaults); values are converted with {@code String.valueOf}. */
        public Builder brokerProperties(Map<String, ?> properties) {
            properties.forEach((k, v) -> brokerProperty(k, String.valueOf(v)));
            return this;
        }

        /** How long {@link EmbeddedKafkaBroker#start()} may take before it fails. Default 10 min: a busy machine took over a minute. */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive");
            }
            this.startTimeout = timeout;
            return this;
        }

        /** The broker, not started yet: call {@link EmbeddedKafkaBroker#start()}. */
        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }

    /** The broker could not be started. */
    public static final class BrokerStartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BrokerStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An operation on the running broker (e.g. topic creation) failed. */
    public static final class KafkaOperationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public KafkaOperationException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final class PortInUseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortInUseException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** For diagnostics: the effective broker properties for given ports (used by tests). */
    static Map<String, String> describeDefaults(Path dir) {
        return describe(BrokerSettings.of("127.0.0.1", 1, 2, dir, DEFAULT_START_TIMEOUT, Map.of()));
    }

    /** For diagnostics: the effective broker properties of a secured broker for given ports (used by tests). */
    static Map<String, String> describeSecured(Path dir, BrokerSecurity security) {
        return describe(BrokerSettings.of("127.0.0.1", 1, 2, dir, DEFAULT_START_TIMEOUT, security, Map.of()));
    }

    private static Map<String, String> describe(Properties p) {
        return p.stringPropertyNames().stream().sorted().collect(Collectors.toMap(k -> k, p::getProperty, (x, y) -> x, LinkedHashMap::new));
    }
}
