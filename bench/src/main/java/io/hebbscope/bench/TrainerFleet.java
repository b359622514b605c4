package io.hebbscope.bench;

import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Many trainers as separate processes ({@code hebbscope train}, one run each, all at once) into the same topics,
 * analyzed live by one or more {@code hebbscope analyze} processes sharing one application id: every run analyzed
 * completely, and the lag from each layer step's publish time (the LayerAlignment's record timestamp, which Kafka
 * Streams carries over from the step's last block) to its LayerAlignment being visible to a read_committed consumer.
 */
final class TrainerFleet {
    /** Lag of one run over all its (layer, step). */
    record RunLag(String runId, int samples, double p50Ms, double p99Ms, double maxMs) {}

    /**
     * @param analyzers   analyzer processes sharing the application id
     * @param all         over every run's (layer, step)
     * @param runs        per run
     * @param seconds     from starting the trainers to the last result visible
     */
    record Result(int trainers, int analyzers, BenchReport.Lag all, List<RunLag> runs, double seconds) {}

    private TrainerFleet() {}

    static Result run(String main, Properties client, Topics topics, TrainerConfig base, PublishPolicy policy,
                      int trainers, int analyzers, int layers, Path workDir, Duration safetyLimit) throws Exception {
        BenchTopics.ensureWithAppendTimes(client, topics);
        String bootstrap = client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        Path work = Files.createDirectories(workDir.resolve(topics.prefix()));
        List<ChildJvm> analyzerProcesses = new ArrayList<>();
        List<ChildJvm> trainerProcesses = new ArrayList<>();
        List<String> runIds = new ArrayList<>();
        long perRun = (long) layers * ((base.epochs() * (long) base.stepsPerEpoch() + policy.analyzeEvery() - 1)
            / policy.analyzeEvery());
        try (AlignmentArrivals arrivals = new AlignmentArrivals(client, topics)) {
            for (int i = 0; i < analyzers; i++) {
                analyzerProcesses.add(ChildJvm.start(work, "analyzer-" + i, main, List.of("analyze",
                    "--bootstrap-servers", bootstrap, "--topic-prefix", topics.prefix(),
                    "--application-id", topics.prefix() + "-analyzer", "--state-dir", work.resolve("state-" + i).toString(),
                    "--metrics-port", "-1", "--plugins", "none", "--replication", "1",
                    "--partitions", Integer.toString(BenchTopics.PARTITIONS), "--connect-timeout", "120")));
            }
            for (ChildJvm a : analyzerProcesses) {
                a.awaitOutput(" running on ", safetyLimit);
            }
            long start = System.nanoTime();
            for (int i = 0; i < trainers; i++) {
                TrainerConfig c = base.toBuilder().runId(base.runId() + "-" + i).seed(base.seed() + i).build();
                runIds.add(c.runId());
                List<String> args = new ArrayList<>(List.of("train", "--bootstrap-servers", bootstrap,
                    "--topic-prefix", topics.prefix(), "--partitions", Integer.toString(BenchTopics.PARTITIONS),
                    "--connect-timeout", "120", "--no-progress"));
                args.addAll(trainArgs(c, policy));
                trainerProcesses.add(ChildJvm.start(work, "trainer-" + i, main, args));
            }
            boolean done = arrivals.await(() -> runIds.stream().allMatch(r -> arrivals.distinct(r) >= perRun),
                () -> analyzerProcesses.stream().anyMatch(a -> !a.isAlive())
                    || trainerProcesses.stream().anyMatch(t -> !t.isAlive() && exitedBadly(t)), safetyLimit);
            if (!done) {
                StringBuilder why = new StringBuilder("the trainer fleet did not finish: ");
                for (String r : runIds) {
                    why.append(String.format(Locale.ROOT, "%s %d/%d; ", r, arrivals.distinct(r), perRun));
                }
                for (ChildJvm p : analyzerProcesses) {
                    why.append('\n').append(p.name()).append(p.isAlive() ? " (alive)" : " (ended)").append(":\n").append(p.outputTail());
                }
                for (ChildJvm p : trainerProcesses) {
                    if (!p.isAlive()) {
                        why.append('\n').append(p.name()).append(" (ended):\n").append(p.outputTail());
                    }
                }
                throw new IllegalStateException(why.toString());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Double> all = new ArrayList<>();
            List<RunLag> runs = new ArrayList<>();
            for (String r : runIds) {
                // The first arrival of each (layer, step): a task that moved could emit again, read_committed shows one.
                java.util.Map<String, AlignmentArrivals.Arrival> first = new java.util.LinkedHashMap<>();
                for (AlignmentArrivals.Arrival a : arrivals.matching(a -> a.runId().equals(r))) {
                    first.putIfAbsent(a.layer() + "/" + a.step(), a);
                }
                double[] lags = first.values().stream().mapToDouble(a -> a.arrivalMs() - a.timestampMs()).toArray();
                Percentiles p = new Percentiles(lags);
                runs.add(new RunLag(r, p.size(), p.at(0.5), p.at(0.99), p.max()));
                for (double l : lags) {
                    all.add(l);
                }
            }
            Percentiles p = new Percentiles(all.stream().mapToDouble(Double::doubleValue).toArray());
            return new Result(trainers, analyzers, new BenchReport.Lag(trainers, p.size(), p.at(0.5), p.at(0.99), p.max()),
                runs, seconds);
        } finally {
            for (ChildJvm t : trainerProcesses) {
                t.close();
            }
            for (ChildJvm a : analyzerProcesses) {
                a.close();
            }
        }
    }

    private static boolean exitedBadly(ChildJvm p) {
        try {
            return !p.isAlive() && p.exitValue() != 0;
        } catch (IllegalThreadStateException e) {
            return false;
        }
    }

    /** The {@code train} options that reproduce {@code c} (the settings the bench's runs can have). */
    static List<String> trainArgs(TrainerConfig c, PublishPolicy policy) {
        List<String> a = new ArrayList<>(List.of("--run-id", c.runId(), "--task", c.task(), "--model", c.model(),
            "--rule", c.rule(), "--widths", c.widthsString(), "--activation", c.activation().id(),
            "--batch-size", Integer.toString(c.batchSize()), "--train-size", Integer.toString(c.trainSize()),
            "--validation-size", Integer.toString(c.validationSize()), "--epochs", Integer.toString(c.epochs()),
            "--learning-rate", Double.toString(c.learningRate()), "--weight-decay", Double.toString(c.weightDecay()),
            "--noise", Double.toString(c.noiseSigma()), "--init-scale", Double.toString(c.initScale()),
            "--teacher-init-scale", Double.toString(c.teacherInitScale()), "--l1", Double.toString(c.l1()),
            "--activation-sparsity", Double.toString(c.activationSparsity()),
            "--gradient-noise", Double.toString(c.gradientNoise()), "--label-noise", Double.toString(c.labelNoise()),
            "--adam-beta1", Double.toString(c.adamBeta1()), "--adam-beta2", Double.toString(c.adamBeta2()),
            "--adam-epsilon", Double.toString(c.adamEpsilon()), "--tau", c.tauRelative() ? c.tau() + "x" : Double.toString(c.tau()),
            "--clip", Double.toString(c.clip()),
            "--seed", Long.toString(c.seed()), "--publish-every", Integer.toString(policy.every()),
            "--snapshot-every", Integer.toString(policy.snapshotEvery()),
            "--dtype", policy.dtype().name().toLowerCase(Locale.ROOT),
            "--max-block-bytes", Integer.toString(policy.maxBlockBytes()),
            "--stats-every", Integer.toString(policy.statsEvery())));
        if (c.residual()) {
            a.add("--residual");
        }
        if (c.batchNorm()) {
            a.add("--batch-norm");
        }
        if (!c.decayBiases()) {
            a.add("--no-decay-biases");
        }
        if (c.untilConverged()) {
            a.addAll(List.of("--until-converged", "--max-epochs", Integer.toString(c.epochs()), "--patience",
                Integer.toString(c.patience()), "--convergence-tolerance", Double.toString(c.convergenceTolerance())));
        }
        if ("transformer".equals(c.model())) {
            a.addAll(List.of("--vocab-size", Integer.toString(c.vocabSize()), "--sequence-length",
                Integer.toString(c.sequenceLength()), "--embed-dim", Integer.toString(c.embedDim()), "--encoder-layers",
                Integer.toString(c.encoderLayers()), "--heads", Integer.toString(c.heads()), "--feed-forward",
                Integer.toString(c.feedForward())));
        }
        return a;
    }
}
