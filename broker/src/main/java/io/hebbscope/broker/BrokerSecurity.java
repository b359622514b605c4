package io.hebbscope.broker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * SASL authentication and ACL authorization for an {@link EmbeddedKafkaBroker}: the super user {@code admin} (the
 * broker's own inter-broker and controller identity), the client users with their SCRAM-SHA-512 passwords, and every
 * ACL the cluster holds.
 *
 * <p>With it the broker listens with {@code SASL_PLAINTEXT} on both its listeners: the client listener accepts
 * {@value #MECHANISM} (passwords never cross the wire), the KRaft controller listener {@code PLAIN} for
 * {@code admin} only (Kafka does not support SCRAM on the controller listener; PLAIN sends the password in clear
 * text, which is why that listener should stay on a loopback or otherwise private address). The authorizer is
 * Kafka's {@code StandardAuthorizer} with {@code super.users=User:admin} and {@code allow.everyone.if.no.acl.found=false}:
 * a user may do exactly what its ACLs allow.
 *
 * <p>This object is the whole truth: on every start, also on a kept data directory, the broker creates or updates
 * the users' SCRAM credentials and the ACLs given here and removes users and ACLs that are not (also the ones
 * added meanwhile with Kafka's tools). Traffic is not encrypted (no TLS).
 */
public final class BrokerSecurity {
    /** The SASL mechanism of the client listener. */
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The super user: inter-broker and controller traffic, and the broker's own administration. */
    public static final String ADMIN = "admin";
    /** User names: what needs no quoting in a JAAS configuration, a SCRAM user name or an ACL principal. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String adminPassword;
    private final Map<String, String> users;
    private final List<AclBinding> acls;

    private BrokerSecurity(String adminPassword, Map<String, String> users, List<AclBinding> acls) {
        this.adminPassword = adminPassword;
        this.users = Map.copyOf(users);
        this.acls = List.copyOf(acls);
    }

    /** Starts a configuration whose super user {@code admin} has this password. */
    public static Builder builder(String adminPassword) {
        return new Builder(adminPassword);
    }

    /** The password of {@link #ADMIN}. */
    public String adminPassword() {
        return adminPassword;
    }

    /** User name to password, without {@code admin}. */
    public Map<String, String> users() {
        return users;
    }

    /** Every ACL of the cluster. */
    public List<AclBinding> acls() {
        return acls;
    }

    /**
     * Client properties of {@code user} with {@code password} for a client listener of such a broker:
     * {@code security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=SCRAM-SHA-512} and the JAAS line; without
     * {@code bootstrap.servers}.
     */
    public static Properties clientProperties(String user, String password) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
        p.put(SaslConfigs.SASL_JAAS_CONFIG, jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password));
        return p;
    }

    /** A JAAS configuration line {@code <module> required username="user" password="password";}. */
    static String jaas(String loginModule, String user, String password) {
        return loginModule + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    /** Why {@code name} cannot be a user name, or null when it can. */
    public static String userNameProblem(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "user name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'";
        }
        return null;
    }

    /** Why {@code password} cannot be a password here, or null when it can. */
    public static String passwordProblem(String password) {
        if (password == null || password.isEmpty()) {
            return "the password is empty";
        }
        for (int i = 0; i < password.length(); i++) {
            char c = password.charAt(i);
            if (c == '"' || c == '\\' || c == ',' || Character.isISOControl(c)) {
                return "the password contains '" + (Character.isISOControl(c) ? "\\u" + String.format("%04x", (int) c) : c)
                    + "': passwords may not contain '\"', '\\', ',' or control characters (they end up in JAAS and"
                    + " kafka-storage arguments)";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "BrokerSecurity[" + MECHANISM + ", users " + users.keySet() + ", " + acls.size() + " ACLs]";
    }

    /** Options of a {@link BrokerSecurity}. */
    public static final class Builder {
        private final String adminPassword;
        private final Map<String, String> users = new LinkedHashMap<>();
        private final List<AclBinding> acls = new ArrayList<>();

        private Builder(String adminPassword) {
            String problem = passwordProblem(adminPassword);
            if (problem != null) {
                throw new IllegalArgumentException("admin password: " + problem);
            }
            this.adminPassword = adminPassword;
        }

        /** A client user with its password; its rights are the {@link #acl ACLs} naming {@code User:<name>}. */
        public Builder user(String name, String password) {
            String problem = userNameProblem(name);
            if (problem == null && ADMIN.equals(name)) {
                problem = "'" + ADMIN + "' is the broker's super user: its password is the admin password";
            }
            if (problem == null && users.containsKey(name)) {
                problem = "user '" + name + "' is given twice";
            }
            if (problem == null) {
                problem = passwordProblem(password);
                if (problem != null) {
                    problem = "user '" + name + "': " + problem;
                }
            }
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            users.put(name, password);
            return this;
        }

        public Builder acl(AclBinding acl) {
            acls.add(Objects.requireNonNull(acl, "acl"));
            return this;
        }

        public Builder acls(Collection<AclBinding> bindings) {
            bindings.forEach(this::acl);
            return this;
        }

        public BrokerSecurity build() {
            return new BrokerSecurity(adminPassword, users, acls);
        }
    }
}
