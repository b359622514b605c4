package io.hebbscope.broker.security;

import io.hebbscope.schema.Topics;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * hebbscope's roles and the Kafka ACLs each needs, derived from the topic prefix and the Kafka Streams application
 * ids: what the secured embedded broker grants, what docs/security.md lists, and what a refusal message tells to
 * grant. {@code AclExplorationTest} runs each role's command without each of its ACLs in turn; the ACLs it could do
 * without there are needed in cases it does not reach (topics that do not exist yet, phase events and dead letters,
 * the live view, purging repartition topics), see docs/security.md.
 */
public final class HebbscopeAcls {
    /** What a user does with hebbscope. */
    public enum Role {
        /** train, import: writes runs, layer steps and train metrics; reads the layer alignment (the live view). */
        TRAINER,
        /** analyze: the Kafka Streams analyzer (exactly-once) and its plug-ins. */
        ANALYZER,
        /** replay: the analyzer over the stored log under new application ids, into topics of their own. */
        REPLAY,
        /** export, report: reads every topic of the prefix. */
        READER;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Role of(String id) {
            for (Role r : values()) {
                if (r.id().equals(id)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown role '" + id + "': roles are "
                + EnumSet.allOf(Role.class).stream().map(Role::id).collect(Collectors.joining(", ")) + " (or none)");
        }
    }

    /**
     * The names the ACLs are about.
     *
     * @param topics                    the topics trainers write and analyzers read ({@code --topic-prefix})
     * @param analyzerOutput            where the analyzer writes (normally {@code topics}; {@code --output-topic-prefix})
     * @param analyzerApplicationId     the analyzer's application id ({@code --application-id}): its consumer group,
     *                                  and the prefix of its internal topics and transactional ids
     * @param replayApplicationIdPrefix what every replay's application id starts with
     * @param replayOutputPrefix        what every replay's output topic names start with
     */
    public record Scope(Topics topics, Topics analyzerOutput, String analyzerApplicationId, String replayApplicationIdPrefix,
                        String replayOutputPrefix) {
        public static final String DEFAULT_ANALYZER_APPLICATION_ID = "hebbscope-analyzer";
        public static final String DEFAULT_REPLAY_APPLICATION_ID_PREFIX = "hebbscope-replay-";

        /** The defaults of the commands: analyzer id hebbscope-analyzer, replays hebbscope-replay-* into PREFIX.replay-*. */
        public static Scope defaults(Topics topics) {
            return new Scope(topics, topics, DEFAULT_ANALYZER_APPLICATION_ID, DEFAULT_REPLAY_APPLICATION_ID_PREFIX,
                defaultReplayOutputPrefix(topics));
        }

        public static String defaultReplayOutputPrefix(Topics topics) {
            return topics.prefix() + ".replay-";
        }
    }

    private HebbscopeAcls() {}

    /** The ACLs of {@code user} in {@code roles}, without duplicates, in a stable order. */
    public static List<AclBinding> of(String user, Set<Role> roles, Scope scope) {
        Set<AclBinding> out = new LinkedHashSet<>();
        for (Role role : EnumSet.copyOf(roles.isEmpty() ? EnumSet.noneOf(Role.class) : roles)) {
            out.addAll(of(user, role, scope));
        }
        return List.copyOf(out);
    }

    /** The ACLs of {@code user} in {@code role}. */
    public static List<AclBinding> of(String user, Role role, Scope s) {
        Acls a = new Acls("User:" + user);
        Topics t = s.topics();
        List<String> inputs = t.inputNames();
        switch (role) {
            case TRAINER -> {
                inputs.forEach(n -> a.topic(n, AclOperation.WRITE));
                a.topic(t.checkpoints().name(), AclOperation.WRITE);
                // the live view follows the analyzer's layer alignment
                a.topic(t.layerAlignment().name(), AclOperation.READ);
                // train --resume reads the run's RunStarted and its latest checkpoint
                a.topic(t.runs().name(), AclOperation.READ);
                a.topic(t.checkpoints().name(), AclOperation.READ);
                // whichever of trainer and analyzer starts first creates the topics
                t.allNames().forEach(n -> a.topic(n, AclOperation.CREATE));
            }
            case ANALYZER -> {
                Topics o = s.analyzerOutput();
                inputs.forEach(n -> a.topic(n, AclOperation.READ));
                o.outputNames().forEach(n -> a.topic(n, AclOperation.WRITE));
                // it creates the topics it reads and writes when they are missing
                inputs.forEach(n -> a.topic(n, AclOperation.CREATE));
                o.outputNames().forEach(n -> a.topic(n, AclOperation.CREATE));
                a.topicPrefix(pluginPrefix(o), AclOperation.CREATE, AclOperation.WRITE);
                streams(a, s.analyzerApplicationId(), PatternType.LITERAL);
            }
            case REPLAY -> {
                inputs.forEach(n -> a.topic(n, AclOperation.READ));
                a.topicPrefix(s.replayOutputPrefix(), AclOperation.CREATE, AclOperation.WRITE);
                streams(a, s.replayApplicationIdPrefix(), PatternType.PREFIXED);
            }
            case READER -> a.topicPrefix(t.prefix() + ".", AclOperation.READ);
            default -> throw new IllegalArgumentException(role.toString());
        }
        return a.list();
    }

    /**
     * A Kafka Streams application with exactly_once_v2: its consumer group, its internal topics (repartition and
     * changelog: {@code <id>-...}; DELETE for purging what the repartition topics' consumers have committed, as
     * Streams creates them with unlimited retention) and its transactional ids ({@code <id>-<process>-<thread>}).
     * No DESCRIBE_CONFIGS: Kafka Streams 4.x (classic group protocol) only describes their partitions.
     *
     * @param group LITERAL for one application id, PREFIXED for all ids starting with {@code id}
     */
    private static void streams(Acls a, String id, PatternType group) {
        a.add(ResourceType.GROUP, id, group, AclOperation.READ);
        String internal = group == PatternType.LITERAL ? id + "-" : id;
        a.topicPrefix(internal, AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE);
        a.add(ResourceType.TRANSACTIONAL_ID, internal, PatternType.PREFIXED, AclOperation.WRITE);
    }

    public static String pluginPrefix(Topics o) {
        return o.prefix() + ".plugin.";
    }

    /**
     * {@code kafka-acls.sh} arguments that add {@code bindings} (one principal and resource pattern), e.g.
     * {@code --add --allow-principal User:x --operation Write --operation Create --topic t}.
     */
    public static String kafkaAclsArguments(List<AclBinding> bindings) {
        AclBinding b = bindings.get(0);
        StringBuilder s = new StringBuilder("--add --allow-principal ").append(b.entry().principal());
        bindings.forEach(x -> s.append(" --operation ").append(camel(x.entry().operation().name())));
        String name = b.pattern().name();
        switch (b.pattern().resourceType()) {
            case TOPIC -> s.append(" --topic ").append(name);
            case GROUP -> s.append(" --group ").append(name);
            case TRANSACTIONAL_ID -> s.append(" --transactional-id ").append(name);
            case CLUSTER -> s.append(" --cluster");
            default -> s.append(" --").append(b.pattern().resourceType().name().toLowerCase(Locale.ROOT)).append(' ').append(name);
        }
        if (b.pattern().patternType() == PatternType.PREFIXED) {
            s.append(" --resource-pattern-type prefixed");
        }
        return s.toString();
    }

    private static String camel(String upper) {
        StringBuilder s = new StringBuilder();
        for (String part : upper.split("_")) {
            s.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return s.toString();
    }

    /** Collects ALLOW bindings of one principal from any host. */
    private static final class Acls {
        private final String principal;
        private final List<AclBinding> list = new ArrayList<>();

        Acls(String principal) {
            this.principal = principal;
        }

        void topic(String name, AclOperation... ops) {
            add(ResourceType.TOPIC, name, PatternType.LITERAL, ops);
        }

        void topicPrefix(String prefix, AclOperation... ops) {
            add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, ops);
        }

        void add(ResourceType type, String name, PatternType pattern, AclOperation... ops) {
            for (AclOperation op : ops) {
                AclBinding b = new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
                if (!list.contains(b)) {
                    list.add(b);
                }
            }
        }

        List<AclBinding> list() {
            return List.copyOf(list);
        }
    }
}
