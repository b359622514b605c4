package io.hebbscope.broker.security;

import io.hebbscope.broker.KafkaReachability;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Utils;

/**
 * One line for a client that a secured cluster refused: who was refused where, and what to grant (the ACLs the
 * command's hebbscope role needs, see {@link HebbscopeAcls}), instead of Kafka's exception chain.
 *
 * <ul>
 *   <li>"authentication failed for user alice at 127.0.0.1:9092 (invalid credentials with SASL mechanism
 *       SCRAM-SHA-512): check the user name and password in sasl.jaas.config of client.properties"</li>
 *   <li>"user bob is not authorized to write topic hebbscope.layer-steps: grant WRITE on topic hebbscope.layer-steps
 *       (kafka-acls.sh ... --add --allow-principal User:bob --operation Write --topic hebbscope.layer-steps), as the
 *       trainer role has (docs/security.md)"</li>
 *   <li>"Kafka at 127.0.0.1:9092 accepts connections but answered no request within 15 s: ..." for a client without
 *       SASL settings at a listener that requires them (Kafka just closes such connections).</li>
 * </ul>
 */
public final class AccessRefusals {
    private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");
    private static final int MAX_CAUSES = 16;

    private AccessRefusals() {}

    /**
     * The refusal as one line, or null when {@code e} is no authentication or authorization failure.
     *
     * @param c who was refused where, null when unknown (the line then names no user and no ACL)
     */
    public static String describe(Throwable e, Context c) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < MAX_CAUSES; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SaslAuthenticationException sasl) {
                return authentication(sasl, c);
            }
            if (t instanceof AuthorizationException denied) {
                return authorization(denied, c);
            }
        }
        if (c != null && unanswered(e)) {
            return unansweredConnection(c);
        }
        return null;
    }

    static String authentication(SaslAuthenticationException e, Context c) {
        String reason = e.getMessage() == null ? "no reason given" : e.getMessage()
            .replaceFirst("^Authentication failed during authentication due to ", "");
        String where = c == null ? "" : " at " + c.bootstrap;
        String user = c == null ? "" : " for user " + c.user;
        String file = c == null || c.clientConfig == null ? "the client configuration" : c.clientConfig.toString();
        return "authentication failed" + user + where + " (" + reason + "): check the user name and password in "
            + "sasl.jaas.config of " + file;
    }

    static String authorization(AuthorizationException e, Context c) {
        String user = c == null ? "this user" : "user " + c.user;
        if (e instanceof TopicAuthorizationException t && !t.unauthorizedTopics().isEmpty()) {
            String topic = c == null ? t.unauthorizedTopics().iterator().next() : c.first(t.unauthorizedTopics());
            List<AclBinding> needed = c == null ? List.of() : c.needed(ResourceType.TOPIC, topic);
            int more = t.unauthorizedTopics().size() - 1;
            String others = more == 0 ? "" : " (and " + more + " more)";
            // hebbscope's own message when a topic it needs is missing and it may not create it (TopicSetup)
            String verb = t.getMessage() != null && t.getMessage().startsWith("Not authorized to create") ? "create" : verb(needed);
            return user + " is not authorized to " + verb + " topic " + topic + others + grant(needed, c, "topic " + topic);
        }
        if (e instanceof TopicAuthorizationException && c != null && !c.roles.isEmpty()) {
            return user + " is not authorized to use a topic it needs (" + e.getMessage() + "): grant the ACLs of hebbscope's "
                + c.rolesText() + " role (docs/security.md lists them; hebbscope broker --security grants them)";
        }
        if (e instanceof GroupAuthorizationException g && g.groupId() != null) {
            List<AclBinding> needed = c == null ? List.of() : c.needed(ResourceType.GROUP, g.groupId());
            return user + " is not authorized to use consumer group " + g.groupId() + grant(needed, c, "group " + g.groupId());
        }
        if (e instanceof TransactionalIdAuthorizationException) {
            List<AclBinding> needed = c == null ? List.of() : c.needed(ResourceType.TRANSACTIONAL_ID, null);
            String ids = needed.isEmpty() ? "" : " " + needed.get(0).pattern().name() + "*";
            return user + " is not authorized to use the transactional ids" + ids + " (Kafka Streams' exactly-once)"
                + grant(needed, c, "those transactional ids");
        }
        if (e instanceof ClusterAuthorizationException) {
            // an idempotent producer needs WRITE on some topic (or IDEMPOTENT_WRITE on the cluster), else this
            List<AclBinding> writes = c == null ? List.of() : c.needed(ResourceType.TOPIC, null).stream()
                .filter(b -> b.entry().operation() == AclOperation.WRITE).toList();
            if (!writes.isEmpty()) {
                return user + " may write no topic, so Kafka refuses its (idempotent) producer with \"" + e.getMessage()
                    + "\"" + grant(writes, c, "the topics it writes");
            }
            return user + " is not authorized for an operation on the cluster (" + e.getMessage() + "); hebbscope's roles"
                + " need no cluster ACL (docs/security.md)";
        }
        return user + " is not authorized: " + e.getMessage() + " (docs/security.md)";
    }

    /** ": grant WRITE on topic t (kafka-acls.sh ... ), as the trainer role has (docs/security.md)". */
    private static String grant(List<AclBinding> needed, Context c, String what) {
        if (needed.isEmpty()) {
            return ": grant the ACL this command needs on " + what + " (docs/security.md lists them per role)";
        }
        Map<String, List<AclBinding>> byPattern = new LinkedHashMap<>();
        needed.forEach(b -> byPattern.computeIfAbsent(b.pattern().resourceType() + " " + b.pattern().name() + " "
            + b.pattern().patternType(), k -> new ArrayList<>()).add(b));
        List<String> grants = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (List<AclBinding> group : byPattern.values()) {
            AclBinding first = group.get(0);
            String ops = group.stream().map(b -> b.entry().operation().name()).collect(Collectors.joining(" and "));
            String type = first.pattern().resourceType().name().toLowerCase(Locale.ROOT).replace('_', ' ');
            grants.add(ops + " on " + type + (first.pattern().patternType() == PatternType.PREFIXED
                ? "s starting with " + first.pattern().name() : " " + first.pattern().name()));
            commands.add("kafka-acls.sh --bootstrap-server " + c.bootstrap + " --command-config ADMIN.properties "
                + HebbscopeAcls.kafkaAclsArguments(group));
        }
        return ": grant " + String.join(" and ", grants) + " (" + String.join("; ", commands) + "), as hebbscope's "
            + c.rolesText() + " role has (docs/security.md)";
    }

    private static String verb(List<AclBinding> needed) {
        Set<AclOperation> ops = needed.stream().map(b -> b.entry().operation()).collect(Collectors.toSet());
        if (ops.contains(AclOperation.WRITE)) {
            return "write";
        }
        if (ops.contains(AclOperation.READ)) {
            return "read";
        }
        if (ops.contains(AclOperation.CREATE)) {
            return "create";
        }
        return "access";
    }

    /** Whether {@code e} says that no broker answered in time (a listener closing every request looks like that). */
    private static boolean unanswered(Throwable e) {
        return e instanceof KafkaReachability.KafkaUnreachableException u && u.getMessage() != null
            && u.getMessage().contains("no broker answered");
    }

    /**
     * Kafka closes the connection of a client that sends requests without the SASL handshake the listener expects
     * (and the client retries until its timeout): if the port accepts connections, say so.
     */
    private static String unansweredConnection(Context c) {
        String first = c.bootstrap.split(",")[0].trim();
        String host = Utils.getHost(first);
        Integer port = Utils.getPort(first);
        if (host == null || port == null) {
            return null;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2_000);
        } catch (IOException e) {
            return null;
        }
        String protocol = c.securityProtocol == null ? "PLAINTEXT" : c.securityProtocol;
        return "Kafka at " + c.bootstrap + " accepts connections but answered no request within the connect timeout: "
            + "does its listener require another security protocol than this client's " + protocol + "? A secured "
            + "cluster needs --client-config FILE with security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512 "
            + "and sasl.jaas.config (docs/security.md)";
    }

    /** Who the command connects as, where, and the ACLs its roles need. */
    public static final class Context {
        final String bootstrap;
        final Path clientConfig;
        final String user;
        final String securityProtocol;
        final Set<HebbscopeAcls.Role> roles;
        final HebbscopeAcls.Scope scope;

        private Context(String bootstrap, Path clientConfig, String user, String securityProtocol,
                        Set<HebbscopeAcls.Role> roles, HebbscopeAcls.Scope scope) {
            this.bootstrap = bootstrap;
            this.clientConfig = clientConfig;
            this.user = user;
            this.securityProtocol = securityProtocol;
            this.roles = roles;
            this.scope = scope;
        }

        /**
         * A client's context: {@code bootstrap} servers, its client configuration file (null: none; the user is
         * read from its sasl.jaas.config, ANONYMOUS without one), the hebbscope roles its command has and the names
         * their ACLs are about (null when unknown).
         */
        public static Context of(String bootstrap, Path clientConfig, Set<HebbscopeAcls.Role> roles,
                                 HebbscopeAcls.Scope scope) {
            Properties client = new Properties();
            if (clientConfig != null) {
                try (Reader r = Files.newBufferedReader(clientConfig)) {
                    client.load(r);
                } catch (IOException | IllegalArgumentException e) {
                    // the command has reported an unreadable file already
                }
            }
            String jaas = client.getProperty(SaslConfigs.SASL_JAAS_CONFIG);
            Matcher m = jaas == null ? null : JAAS_USER.matcher(jaas);
            // Kafka's principal for a client without SASL (and without a TLS certificate) is ANONYMOUS
            String user = m != null && m.find() ? m.group(1) : "ANONYMOUS";
            return new Context(bootstrap, clientConfig, user, client.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG),
                roles.isEmpty() ? EnumSet.noneOf(HebbscopeAcls.Role.class) : EnumSet.copyOf(roles), scope);
        }

        /** Of {@code topics}, the one this command needs first (runs before layer steps ...), else any. */
        String first(Set<String> topics) {
            List<AclBinding> all = needed(ResourceType.TOPIC, null);
            for (AclBinding b : all) {
                for (String t : topics) {
                    if (b.pattern().patternType() == PatternType.PREFIXED ? t.startsWith(b.pattern().name())
                        : t.equals(b.pattern().name())) {
                        return t;
                    }
                }
            }
            return topics.stream().sorted().findFirst().orElseThrow();
        }

        /** The ACLs of this command's roles on the resource ({@code name} null: any of that type). */
        List<AclBinding> needed(ResourceType type, String name) {
            if (scope == null || roles.isEmpty()) {
                return List.of();
            }
            return HebbscopeAcls.of(user, roles, scope).stream().filter(b -> b.pattern().resourceType() == type)
                .filter(b -> name == null || (b.pattern().patternType() == PatternType.PREFIXED
                    ? name.startsWith(b.pattern().name()) : name.equals(b.pattern().name())))
                .toList();
        }

        String rolesText() {
            return roles.stream().map(HebbscopeAcls.Role::id).collect(Collectors.joining(" and "));
        }
    }
}
