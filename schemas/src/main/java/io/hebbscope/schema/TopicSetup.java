package io.hebbscope.schema;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates hebbscope's topics when they are missing, so that whichever of trainer and analyzer starts
 * first finds them. Existing topics are left as they are. Returns only once every partition of the topics has a
 * leader that serves it: a producer's first batches to a partition still being created can be turned away and, under
 * load, run into the delivery timeout (stack notes, KAFKA-15591).
 */
public final class TopicSetup {
    /** Tensor records stay well under this; raised so that large layers with few blocks still fit. */
    public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
    /** How long {@link #awaitServing} waits by default for a fresh topic's partitions: generous, for busy machines. */
    public static final Duration SERVING_TIMEOUT = Duration.ofMinutes(5);

    private TopicSetup() {}

    /**
     * @param partitions  partitions of the per-layer topics (layer steps spread their blocks over them)
     * @param replication replication factor, or -1 for the broker's default
     */
    public static void ensureTopics(Properties clientProps, Topics topics, int partitions, short replication) {
        ensureTopics(clientProps, topics, partitions, replication, topics.allNames());
    }

    /** Every topic of {@code topics}, with {@code min.insync.replicas} (-1: the broker's default). */
    public static void ensureTopics(Properties clientProps, Topics topics, int partitions, short replication,
                                    int minInsyncReplicas) {
        ensureTopics(clientProps, topics, partitions, replication, minInsyncReplicas, topics.allNames());
    }

    /**
     * The same for some of the topics: {@code names} from {@link Topics#allNames()}. A client needs only the ACLs to
     * describe or create those (a replay creates no topics of the live analyzer).
     */
    public static void ensureTopics(Properties clientProps, Topics topics, int partitions, short replication,
                                    Collection<String> names) {
        ensureTopics(clientProps, topics, partitions, replication, -1, names);
    }

    /**
     * The same with {@code min.insync.replicas} set on the created topics ({@code minInsyncReplicas}, or -1 for the
     * broker's default). With the producers' acks=all, a write succeeds only once that many replicas have it: on a
     * cluster of 3 brokers, replication 3 and min ISR 2 survive the loss of one broker without losing a step.
     */
    public static void ensureTopics(Properties clientProps, Topics topics, int partitions, short replication,
                                    int minInsyncReplicas, Collection<String> names) {
        requireValidReplicas(replication, minInsyncReplicas);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        Map<String, String> big = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        List<NewTopic> wanted = List.of(
            topic(topics.runs().name(), 1, replication, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
            topic(topics.layerSteps().name(), partitions, replication, big),
            topic(topics.trainMetrics().name(), partitions, replication, Map.of()),
            topic(topics.neuronAlignment().name(), partitions, replication, Map.of()),
            topic(topics.layerAlignment().name(), partitions, replication, Map.of()),
            topic(topics.phases().name(), partitions, replication, Map.of()),
            topic(topics.deadLetters().name(), 1, replication, big),
            topic(topics.layerStats().name(), partitions, replication, big),
            // retained like the rest of the log, not compacted: a checkpoint is several records under one key (a
            // compacted topic would keep only the last part of each), and it is worth no more than the steps around it
            topic(topics.checkpoints().name(), partitions, replication, big));
        // the analyzer assembles a layer's statistics blocks with its tensor blocks: one partitioning for both, also
        // when layer-steps was created earlier with another number of partitions
        createMissing(clientProps, wanted.stream().filter(t -> names.contains(t.name()))
            .map(t -> withMinInsyncReplicas(t, minInsyncReplicas)).toList(),
            Map.of(topics.layerStats().name(), topics.layerSteps().name()));
    }

    /**
     * Throws {@link IllegalStateException} when the topics do not all have as many partitions: the analyzer repartitions
     * layer-steps and layer-stats by run/layer and assembles both in the same tasks, which holds only then.
     */
    public static void requireSamePartitions(Properties clientProps, List<String> names) {
        try (Admin admin = Admin.create(clientProps)) {
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            Map<String, Integer> counts = new java.util.LinkedHashMap<>();
            names.forEach(n -> counts.put(n, d.get(n).partitions().size()));
            if (counts.values().stream().distinct().count() > 1) {
                throw new IllegalStateException("topics " + counts + " must have the same number of partitions (the"
                    + " analyzer assembles a layer's blocks of all of them together): add partitions to the smaller ones"
                    + " (kafka-topics.sh --alter --partitions N) before analyzing");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics " + names, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException refused) {
                throw refused;
            }
            throw new IllegalStateException("cannot describe topics " + names + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot describe topics " + names + ": " + e, e);
        }
    }

    /** Replication -1 or >= 1; min ISR -1 or between 1 and the replication (when that is given). */
    public static void requireValidReplicas(short replication, int minInsyncReplicas) {
        if (replication == 0 || replication < -1) {
            throw new IllegalArgumentException("replication factor must be >= 1 (or -1: the broker's default), got "
                + replication);
        }
        if (minInsyncReplicas == 0 || minInsyncReplicas < -1) {
            throw new IllegalArgumentException("min insync replicas must be >= 1 (or -1: the broker's default), got "
                + minInsyncReplicas);
        }
        if (replication > 0 && minInsyncReplicas > replication) {
            throw new IllegalArgumentException("min insync replicas (" + minInsyncReplicas + ") cannot exceed the "
                + "replication factor (" + replication + "): every write would be refused");
        }
    }

    private static NewTopic withMinInsyncReplicas(NewTopic t, int minInsyncReplicas) {
        if (minInsyncReplicas < 1) {
            return t;
        }
        Map<String, String> configs = new HashMap<>(t.configs() == null ? Map.of() : t.configs());
        configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas));
        return t.configs(configs);
    }

    /** Creates further topics (plug-in outputs) when missing, with the same partitioning as the per-layer topics. */
    public static void ensureTopics(Properties clientProps, List<String> names, int partitions, short replication) {
        ensureTopics(clientProps, names, partitions, replication, -1);
    }

    /** The same with {@code min.insync.replicas} (-1: the broker's default). */
    public static void ensureTopics(Properties clientProps, List<String> names, int partitions, short replication,
                                    int minInsyncReplicas) {
        requireValidReplicas(replication, minInsyncReplicas);
        createMissing(clientProps, names.stream().map(n -> withMinInsyncReplicas(topic(n, partitions, replication, Map.of()),
            minInsyncReplicas)).toList(), Map.of());
    }

    /**
     * Waits until every partition of {@code names} has a leader that answers a ListOffsets request for it (what a
     * producer needs), polling; throws when that has not happened within {@code timeout}.
     */
    public static void awaitServing(Properties clientProps, Collection<String> names, Duration timeout) {
        try (Admin admin = Admin.create(clientProps)) {
            awaitServing(admin, names, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for topics " + names, e);
        }
    }

    /** The same with the caller's admin client. */
    public static void awaitServing(Admin admin, Collection<String> names, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                boolean led = d.keySet().containsAll(names) && d.values().stream().flatMap(t -> t.partitions().stream())
                    .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty());
                if (led) {
                    // the leader also serves the partition (a produce to it would not be turned away)
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    d.values().forEach(t -> t.partitions().forEach(p ->
                        latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
                    admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
                    return;
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException refused) {
                    throw refused; // waiting cannot grant the client what it lacks: the caller's message names it
                }
                last = e.getCause() == null ? e : e.getCause(); // not visible or not led yet: ask again
            } catch (TimeoutException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("topics " + names + " have no serving leader for every partition after "
            + timeout.toSeconds() + " s" + (last == null ? "" : ": " + last), last);
    }

    private static NewTopic topic(String name, int partitions, short replication, Map<String, String> configs) {
        return new NewTopic(name, Optional.of(partitions), replication < 0 ? Optional.empty() : Optional.of(replication))
            .configs(configs);
    }

    /**
     * Creates those of {@code wanted} that do not exist; a topic created meanwhile by someone else is fine. A missing
     * topic named in {@code partitionsLike} takes the partitions of the topic it maps to when that one exists.
     */
    private static void createMissing(Properties clientProps, List<NewTopic> wanted, Map<String, String> partitionsLike) {
        try (Admin admin = Admin.create(clientProps)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic t : wanted) {
                if (existing.contains(t.name())) {
                    continue;
                }
                String like = partitionsLike.get(t.name());
                if (like != null && existing.contains(like)) {
                    int n = admin.describeTopics(List.of(like)).allTopicNames().get(30, TimeUnit.SECONDS).get(like)
                        .partitions().size();
                    t = new NewTopic(t.name(), Optional.of(n), t.replicationFactor() < 0 ? Optional.empty()
                        : Optional.of(t.replicationFactor())).configs(t.configs());
                }
                missing.add(t);
            }
            if (missing.isEmpty()) {
                return;
            }
            List<String> created = new ArrayList<>(missing.stream().map(NewTopic::name).toList());
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException || e.getCause() instanceof TopicAuthorizationException)) {
                    throw e;
                }
                // topic by topic: some exist, others may be refused (Kafka's answer then names no topic)
                Set<String> refused = new LinkedHashSet<>();
                created.clear();
                for (NewTopic t : missing) {
                    try {
                        admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
                        created.add(t.name());
                    } catch (ExecutionException each) {
                        if (each.getCause() instanceof TopicAuthorizationException) {
                            refused.add(t.name());
                        } else if (!(each.getCause() instanceof TopicExistsException)) {
                            throw each;
                        }
                    }
                }
                if (!refused.isEmpty()) {
                    throw new TopicAuthorizationException("Not authorized to create topics " + refused
                        + " (they do not exist, or this user may not describe them)", refused);
                }
            }
            // only what this call created is fresh (a topic someone else created may not even be visible to us)
            if (!created.isEmpty()) {
                awaitServing(admin, created, SERVING_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + wanted.stream().map(NewTopic::name).toList() + ": "
                + (e.getCause() == null ? e : e.getCause()), e);
        }
    }
}
