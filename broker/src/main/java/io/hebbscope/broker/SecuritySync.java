package io.hebbscope.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a running secured broker's users and ACLs those of its {@link BrokerSecurity}, on every start, as the super
 * user admin on the client listener: SCRAM credentials (admin's own too, so a changed admin password takes effect)
 * and ACLs; then it waits until the broker enforces exactly those ACLs and accepts every user's password.
 * (Kafka's Admin client cannot change SCRAM credentials through the controller listener, so admin must be able to
 * log in to the broker first: with the password the data directory was formatted with, or the previous one.)
 */
final class SecuritySync {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    /** Kafka's minimum (and default) iteration count for SCRAM-SHA-512. */
    static final int ITERATIONS = 4096;
    /** How often every known admin password is tried before a refusal is taken for an answer. */
    private static final int LOGIN_ROUNDS = 3;
    private static final ScramMechanism SCRAM = ScramMechanism.SCRAM_SHA_512;

    private final BrokerSecurity security;
    private final String bootstrapServers;
    private final long deadline;

    /** @param deadline System.nanoTime() by which everything must be in place */
    SecuritySync(BrokerSecurity security, String bootstrapServers, long deadline) {
        this.security = security;
        this.bootstrapServers = bootstrapServers;
        this.deadline = deadline;
    }

    /** Admin client properties of admin with {@code password} on the client listener. */
    Properties adminProperties(String password) {
        Properties p = BrokerSecurity.clientProperties(BrokerSecurity.ADMIN, password);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "hebbscope-embedded-broker-security");
        return KafkaReachability.boundedAdminProperties(p, Duration.ofSeconds(10));
    }

    /**
     * Logs in as admin (with the configured password, else with {@code previousAdminPassword}, the one of the last
     * start), then upserts admin's and every user's SCRAM credential and deletes those of users no longer configured.
     *
     * @param previousAdminPassword the admin password of the previous start on this data directory, or null
     */
    void credentials(String previousAdminPassword) {
        // the previous password first: admin's credential holds it until it is changed here
        List<String> candidates = new ArrayList<>();
        if (previousAdminPassword != null && !previousAdminPassword.equals(security.adminPassword())) {
            candidates.add(previousAdminPassword);
        }
        candidates.add(security.adminPassword());
        int[] refusals = {0};
        retry("writing the SCRAM credentials", () -> {
            SaslAuthenticationException refused = null;
            for (String password : candidates) {
                try (Admin admin = Admin.create(adminProperties(password))) {
                    Map<String, UserScramCredentialsDescription> existing;
                    try {
                        existing = get(admin.describeUserScramCredentials().all());
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof SaslAuthenticationException sasl) {
                            refused = sasl;
                            continue;
                        }
                        throw e;
                    }
                    List<UserScramCredentialAlteration> changes = new ArrayList<>();
                    ScramCredentialInfo info = new ScramCredentialInfo(SCRAM, ITERATIONS);
                    changes.add(new UserScramCredentialUpsertion(BrokerSecurity.ADMIN, info, security.adminPassword()));
                    security.users().forEach((user, pw) -> changes.add(new UserScramCredentialUpsertion(user, info, pw)));
                    for (var e : existing.entrySet()) {
                        if (!e.getKey().equals(BrokerSecurity.ADMIN) && !security.users().containsKey(e.getKey())) {
                            e.getValue().credentialInfos().forEach(c -> changes.add(new UserScramCredentialDeletion(e.getKey(), c.mechanism())));
                            LOG.info("Removing SCRAM user {}: not in the security configuration", e.getKey());
                        }
                    }
                    get(admin.alterUserScramCredentials(changes).all());
                    return;
                }
            }
            if (++refusals[0] >= LOGIN_ROUNDS) {
                throw new EmbeddedKafkaBroker.BrokerStartException("The Kafka broker at " + bootstrapServers
                    + " does not accept the admin password (" + refused.getMessage() + "). admin's SCRAM credential is"
                    + " written when the data directory is formatted and changed on every start using the password of"
                    + " the previous start (kept in server.properties): start with the admin password this data"
                    + " directory was last used with, or with a new data directory", refused);
            }
            Thread.sleep(1_000); // a refusal is an answer, but give a broker that is still loading its metadata a moment
            throw refused;
        });
    }

    /** Creates the configured ACLs that are missing and deletes every other ACL. */
    void acls() {
        Set<AclBinding> wanted = new HashSet<>(security.acls());
        retry("writing the ACLs", () -> {
            try (Admin admin = Admin.create(adminProperties(security.adminPassword()))) {
                Collection<AclBinding> existing = get(admin.describeAcls(AclBindingFilter.ANY).values());
                List<AclBindingFilter> stale = existing.stream().filter(b -> !wanted.contains(b)).map(AclBinding::toFilter).toList();
                if (!stale.isEmpty()) {
                    LOG.info("Removing {} ACLs that are not in the security configuration", stale.size());
                    get(admin.deleteAcls(stale).all());
                }
                List<AclBinding> missing = wanted.stream().filter(b -> !existing.contains(b)).toList();
                if (!missing.isEmpty()) {
                    get(admin.createAcls(missing).all());
                }
            }
        });
    }

    /**
     * Waits until the broker (not only the controller) enforces exactly the configured ACLs and accepts every user's
     * password.
     */
    void awaitEnforced() {
        Set<AclBinding> wanted = new HashSet<>(security.acls());
        retry("waiting for the broker to enforce the ACLs", () -> {
            try (Admin admin = Admin.create(adminProperties(security.adminPassword()))) {
                Set<AclBinding> enforced = new HashSet<>(get(admin.describeAcls(AclBindingFilter.ANY).values()));
                if (!enforced.equals(wanted)) {
                    throw new IllegalStateException("the broker enforces " + enforced.size() + " ACLs, not yet the "
                        + wanted.size() + " configured");
                }
            }
        });
        for (var user : security.users().entrySet()) {
            retry("waiting for the broker to accept user " + user.getKey(), () -> {
                Properties p = BrokerSecurity.clientProperties(user.getKey(), user.getValue());
                p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
                p.put(AdminClientConfig.CLIENT_ID_CONFIG, "hebbscope-embedded-broker-login-check");
                KafkaReachability.check(p, Duration.ofSeconds(10));
            });
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} until it succeeds; failures (the controller or broker still catching up) are retried until the deadline. */
    private void retry(String what, Step step) {
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                step.run();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaBroker.BrokerStartException("Interrupted while " + what, e);
            } catch (EmbeddedKafkaBroker.BrokerStartException e) {
                throw e;
            } catch (Exception e) {
                last = e;
                LOG.debug("Retrying {}: {}", what, e.toString());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaBroker.BrokerStartException("Interrupted while " + what, e);
            }
        }
        throw new EmbeddedKafkaBroker.BrokerStartException("Securing the Kafka broker failed while " + what
            + (last == null ? "" : ": " + last.getMessage()), last);
    }

    private static <T> T get(KafkaFuture<T> f) throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(30, TimeUnit.SECONDS);
    }
}
