package io.hebbscope.broker;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;

/**
 * Answers "is there a Kafka cluster at these bootstrap servers?" within a bounded time.
 *
 * <p>Used by command-line tools before they start producing or consuming, so that an unreachable broker
 * yields one clear message after {@code timeout} instead of a client that retries forever.
 *
 * <p>The check creates a short-lived {@link Admin} client from the given client properties (only the
 * keys that are Admin configs are passed on, so producer/consumer properties can be handed in as they
 * are), bounds its request, API and connection-setup timeouts by {@code timeout}, and asks it to
 * describe the cluster.
 *
 * <p>While a broker is down the Admin client's {@code org.apache.kafka.clients.NetworkClient} logger
 * warns once per connection attempt ("Connection to node -1 ... could not be established"); set that
 * logger to ERROR to keep the console quiet.
 */
public final class KafkaReachability {

    /** Upper bound for a single TCP connection setup attempt during the check. */
    private static final long MAX_CONNECTION_SETUP_MS = 10_000;

    private KafkaReachability() {
    }

    /**
     * Returns normally when a Kafka cluster at {@code clientProps}' {@code bootstrap.servers} answers a
     * describe-cluster request within {@code timeout}.
     *
     * @param clientProps client properties; must contain {@code bootstrap.servers}. Security settings
     *                    ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) are honoured. The
     *                    object is not modified.
     * @param timeout     how long to wait for an answer (positive)
     * @throws KafkaUnreachableException when no broker answered in time or the client could not be
     *                                   created (e.g. unresolvable host); its message names the bootstrap
     *                                   servers
     * @throws IllegalArgumentException  when {@code bootstrap.servers} is missing or the timeout is not positive
     */
    public static void check(Properties clientProps, Duration timeout) {
        describe(clientProps, timeout);
    }

    /**
     * Like {@link #check(Properties, Duration)} but returns what the cluster answered.
     *
     * @return the cluster id (may be null for very old brokers) and the brokers the cluster reported
     */
    public static ClusterInfo describe(Properties clientProps, Duration timeout) {
        Objects.requireNonNull(clientProps, "clientProps");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        Object bootstrapValue = clientProps.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        String bootstrap = bootstrapValue == null ? "" : String.valueOf(bootstrapValue).trim();
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap.servers is not set: cannot check whether Kafka is reachable");
        }

        long timeoutMs = Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        Properties adminProps = boundedAdminProperties(clientProps, Duration.ofMillis(timeoutMs));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);

        Admin admin;
        try {
            admin = Admin.create(adminProps);
        } catch (KafkaException e) {
            throw new KafkaUnreachableException("Kafka is not reachable at bootstrap.servers=" + bootstrap
                    + ": cannot create a client: " + rootMessage(e), bootstrap, e);
        }
        try {
            var result = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs));
            // The Admin call fails by itself after timeoutMs; the extra grace only guards against a hang.
            long waitMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 2_000;
            Collection<Node> nodes = result.nodes().get(Math.max(waitMs, 1), TimeUnit.MILLISECONDS);
            String clusterId = result.clusterId().get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 2_000),
                    TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                throw new KafkaUnreachableException("Kafka at bootstrap.servers=" + bootstrap
                        + " answered but reported no live brokers", bootstrap, null);
            }
            return new ClusterInfo(clusterId, Set.copyOf(nodes));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnreachableException("Interrupted while checking whether Kafka is reachable at bootstrap.servers="
                    + bootstrap, bootstrap, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new KafkaUnreachableException("Kafka is not reachable at bootstrap.servers=" + bootstrap
                        + ": no broker answered within " + format(timeout) + " (" + rootMessage(cause) + ")",
                        bootstrap, cause);
            }
            // e.g. an authentication or authorization failure: something answered, but not usefully.
            throw new KafkaUnreachableException("Kafka at bootstrap.servers=" + bootstrap + " is not usable: "
                    + rootMessage(cause), bootstrap, cause);
        } finally {
            admin.close(Duration.ofMillis(500));
        }
    }

    /**
     * The Admin configs among {@code clientProps} (other keys are dropped, so producer or consumer
     * properties can be passed), with the request, default API and connection-setup timeouts set to
     * {@code timeout} (at most 10 s per connection attempt) and short reconnect/retry backoffs, so that
     * no Admin call made with them blocks much longer than {@code timeout}. {@code clientProps} is not
     * modified.
     */
    public static Properties boundedAdminProperties(Properties clientProps, Duration timeout) {
        long timeoutMs = Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        Properties props = new Properties();
        Set<String> adminKeys = AdminClientConfig.configNames();
        for (String key : clientProps.stringPropertyNames()) {
            if (adminKeys.contains(key)) {
                props.put(key, clientProps.getProperty(key));
            }
        }
        // Non-string values (e.g. Integer) are not seen by stringPropertyNames().
        clientProps.forEach((k, v) -> {
            if (k instanceof String && adminKeys.contains(k) && !props.containsKey(k)) {
                props.put(k, v);
            }
        });
        String timeoutText = Long.toString(timeoutMs);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutText);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutText);
        long setup = Math.min(timeoutMs, MAX_CONNECTION_SETUP_MS);
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Long.toString(setup));
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, Long.toString(setup));
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, Long.toString(Math.min(1_000, timeoutMs)));
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, Long.toString(Math.min(1_000, timeoutMs)));
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "hebbscope-reachability-check");
        return props;
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        String name = root.getClass().getSimpleName();
        if (root != t && t.getMessage() != null && !t.getMessage().equals(msg)) {
            return t.getClass().getSimpleName() + ": " + t.getMessage() + "; caused by " + name + (msg == null ? "" : ": " + msg);
        }
        return msg == null ? name : name + ": " + msg;
    }

    /** What a reachable cluster reported. */
    public record ClusterInfo(String clusterId, Set<Node> nodes) {
    }

    /** Thrown when no Kafka cluster answers at the given bootstrap servers within the timeout. */
    public static final class KafkaUnreachableException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String bootstrapServers;

        public KafkaUnreachableException(String message, String bootstrapServers, Throwable cause) {
            super(message, cause);
            this.bootstrapServers = bootstrapServers;
        }

        /** The {@code bootstrap.servers} value that was checked. */
        public String bootstrapServers() {
            return bootstrapServers;
        }
    }
}
