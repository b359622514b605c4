package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.bench.ChildJvm;
import io.hebbscope.broker.BrokerSecurity;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.broker.security.SecurityFile;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A secured broker (SCRAM logins, ACLs from a security file): train -> analyze -> replay -> export -> import, each
 * command as a user holding exactly its role's ACLs; clients without credentials, with a wrong password or without
 * an ACL refused with one line and exit code 1; the metrics endpoint behind basic authentication.
 */
class SecuredClusterEndToEndTest {
    private static final Duration LIMIT = Duration.ofMinutes(5);
    private static final String RUN = "sec-run";
    private static final List<String> USERS = List.of("trainer1", "analyzer1", "replayer", "reader1", "nobody");

    @TempDir
    static Path dir;

    private static EmbeddedKafkaBroker broker;
    private static SecurityFile security;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("security.properties");
        Files.writeString(file, """
            # the broker's super user
            admin.password=admin-secret
            user.trainer1.password=trainer-secret
            user.trainer1.roles=trainer
            user.analyzer1.password=analyzer-secret
            user.analyzer1.roles=analyzer
            user.replayer.password=replay-secret
            user.replayer.roles=replay
            user.reader1.password=reader-secret
            user.reader1.roles=reader
            user.nobody.password=nobody-secret
            user.nobody.roles=none
            """);
        security = SecurityFile.read(file);
        broker = EmbeddedKafkaBroker.builder().security(security.brokerSecurity()).build().start();
        for (SecurityFile.User u : security.users()) {
            Properties p = BrokerSecurity.clientProperties(u.name(), u.password());
            try (var w = Files.newBufferedWriter(dir.resolve(u.name() + ".properties"))) {
                p.store(w, u.name());
            }
        }
        Properties wrong = BrokerSecurity.clientProperties("trainer1", "not-the-password");
        try (var w = Files.newBufferedWriter(dir.resolve("wrong.properties"))) {
            wrong.store(w, "wrong password");
        }
        Files.writeString(dir.resolve("metrics-users.properties"), "prometheus=scrape-secret\n");
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    record Result(int code, String out, String err) {}

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static String config(String user) {
        return dir.resolve(user + ".properties").toString();
    }

    private static List<String> as(String user, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--bootstrap-servers", broker.bootstrapServers(), "--client-config", config(user),
            "--connect-timeout", "60"));
        return a;
    }

    private static List<LayerAlignment> alignment(Topics topics) {
        List<LayerAlignment> l = new ArrayList<>(TopicReader.readAll(broker.clientProperties("reader1"), topics.layerAlignment())
            .stream().filter(a -> a.getRunId().equals(RUN)).toList());
        l.sort(Comparator.comparing(LayerAlignment::getLayer).thenComparingLong(LayerAlignment::getStep));
        return l;
    }

    private static HttpResponse<String> scrape(int port, String user, String password) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
        if (user != null) {
            r.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8)));
        }
        return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void trainAnalyzeReplayExportImportEachWithItsRolesAcls() throws Exception {
        Path work = Files.createDirectories(dir.resolve("analyzer"));
        List<String> analyze = new ArrayList<>(as("analyzer1", "analyze", "--state-dir", work.resolve("state").toString(),
            "--metrics-port", "0", "--metrics-auth", dir.resolve("metrics-users.properties").toString(),
            "--plugins", "stationarity", "--partitions", "2"));
        try (ChildJvm analyzer = ChildJvm.start(work, "analyze", Hebbscope.class.getName(), analyze)) {
            analyzer.awaitOutput(" running on ", LIMIT);
            Matcher m = Pattern.compile("metrics at http://[^:]+:(\\d+)/metrics \\(basic auth\\)").matcher(analyzer.output());
            assertThat(m.find()).as(analyzer.output()).isTrue();
            int port = Integer.parseInt(m.group(1));

            Result train = cli(as("trainer1", "train", "--run-id", RUN, "--epochs", "2", "--train-size", "256",
                "--validation-size", "64", "--batch-size", "64", "--no-progress", "--wait-for-analysis", "240",
                "--partitions", "2").toArray(String[]::new));
            assertThat(train.code()).as("%s%n%s", train.out(), train.err()).isZero();
            assertThat(train.out()).contains("analysis caught up");

            assertThat(scrape(port, null, null).statusCode()).isEqualTo(401);
            assertThat(scrape(port, "prometheus", "wrong").statusCode()).isEqualTo(401);
            assertThat(scrape(port, "someone", "scrape-secret").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = scrape(port, "prometheus", "scrape-secret");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("hebbscope_layer_alignment{layer=\"layer1\",run=\"" + RUN + "\"");
            assertThat(analyzer.isAlive()).as(analyzer.outputTail()).isTrue();
        }
        List<LayerAlignment> live = alignment(Topics.withDefaultPrefix());
        assertThat(live).hasSize(3 * 2 * 4);

        Result replay = cli(as("replayer", "replay", "--run", RUN, "--output-topic-prefix", "hebbscope.replay-sec",
            "--application-id", "hebbscope-replay-sec", "--plugins", "stationarity", "--partitions", "2").toArray(String[]::new));
        assertThat(replay.code()).as("%s%n%s", replay.out(), replay.err()).isZero();
        assertThat(replay.out()).contains("replayed");
        assertThat(alignment(new Topics("hebbscope.replay-sec"))).isEqualTo(live);

        Path exported = dir.resolve("exported");
        Result export = cli(as("reader1", "export", "--run", RUN, "--out", exported.toString()).toArray(String[]::new));
        assertThat(export.code()).as("%s%n%s", export.out(), export.err()).isZero();
        assertThat(exported.resolve(RUN)).isDirectory();

        Result imported = cli(as("trainer1", "import", "--in", exported.toString()).toArray(String[]::new));
        assertThat(imported.code()).as("%s%n%s", imported.out(), imported.err()).isZero();
        assertThat(imported.out()).contains("imported");
    }

    @Test
    void refusedClientsGetOneLineAndExitCode1() throws Exception {
        // whoever may create them: the admin here, so that every refusal below is about its own ACLs
        TopicSetup.ensureTopics(broker.adminProperties(), Topics.withDefaultPrefix(), 2, (short) 1);
        String at = broker.bootstrapServers();

        Result noCredentials = cli("train", "--bootstrap-servers", at, "--connect-timeout", "3", "--epochs", "1");
        assertThat(noCredentials.code()).isEqualTo(1);
        assertThat(noCredentials.err()).contains("Kafka at " + at + " accepts connections but answered no request")
            .contains("security.protocol=SASL_PLAINTEXT");

        Result wrong = cli("train", "--bootstrap-servers", at, "--client-config", dir.resolve("wrong.properties").toString(),
            "--epochs", "1");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("authentication failed for user trainer1 at " + at
            + " (invalid credentials with SASL mechanism SCRAM-SHA-512)");

        // sees every topic but the trainers' checkpoints (no ACL on it): takes it for missing and may not create it
        Result analyzerTrains = cli(as("analyzer1", "train", "--epochs", "1", "--train-size", "256", "--no-progress")
            .toArray(String[]::new));
        assertThat(analyzerTrains.code()).isEqualTo(1);
        assertThat(analyzerTrains.err()).contains("error: user analyzer1 is not authorized to create topic"
            + " hebbscope.checkpoints: grant WRITE and READ and CREATE on topic hebbscope.checkpoints (kafka-acls.sh"
            + " --bootstrap-server " + at + " --command-config ADMIN.properties --add --allow-principal User:analyzer1"
            + " --operation Write --operation Read --operation Create --topic hebbscope.checkpoints), as hebbscope's"
            + " trainer role has (docs/security.md)");

        // may write no topic at all: Kafka refuses its idempotent producer
        Result readerTrains = cli(as("reader1", "train", "--epochs", "1", "--train-size", "256", "--no-progress")
            .toArray(String[]::new));
        assertThat(readerTrains.code()).isEqualTo(1);
        assertThat(readerTrains.err()).contains("user reader1 may write no topic, so Kafka refuses its (idempotent) producer")
            .contains("grant WRITE on topic hebbscope.runs and WRITE on topic hebbscope.layer-steps and WRITE on topic"
                + " hebbscope.train-metrics");

        // sees no topic: hebbscope takes them for missing and may not create them
        Result nobodyTrains = cli(as("nobody", "train", "--epochs", "1", "--train-size", "256", "--no-progress")
            .toArray(String[]::new));
        assertThat(nobodyTrains.code()).isEqualTo(1);
        assertThat(nobodyTrains.err()).contains("user nobody is not authorized to create topic hebbscope.runs (and 8 more):"
            + " grant WRITE and READ and CREATE on topic hebbscope.runs");

        Result trainerAnalyzes = cli(as("trainer1", "analyze", "--state-dir", dir.resolve("t-state").toString(),
            "--metrics-port", "-1", "--plugins", "none").toArray(String[]::new));
        assertThat(trainerAnalyzes.code()).isEqualTo(1);
        assertThat(trainerAnalyzes.err()).contains("user trainer1 is not authorized to");

        Result nobodyReplays = cli(as("nobody", "replay", "--plugins", "none").toArray(String[]::new));
        assertThat(nobodyReplays.code()).isEqualTo(1);
        assertThat(nobodyReplays.err()).contains("user nobody is not authorized to");

        List<Result> all = List.of(noCredentials, wrong, analyzerTrains, readerTrains, nobodyTrains, trainerAnalyzes, nobodyReplays);
        for (Result r : all) {
            assertThat(r.err().lines().filter(l -> l.startsWith("error: ")).count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).as(r.err()).doesNotContain("\tat ", "Exception");
        }
        all.forEach(r -> System.out.print(r.err()));
    }

    /** As a process with the shipped logging: the console shows the refusal, not the libraries' reports of it. */
    @Test
    void aRefusedProcessPrintsOneLine() throws Exception {
        TopicSetup.ensureTopics(broker.adminProperties(), Topics.withDefaultPrefix(), 2, (short) 1);
        Path logs = Files.createDirectories(dir.resolve("process-logs"));
        String logback = Path.of(getClass().getClassLoader().getResource("logback.xml").toURI()).toString();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", ChildJvm.classPath(), "-Dlogback.configurationFile=" + logback, "-Dorg.nd4j.log.initialization=false",
            Hebbscope.class.getName()));
        command.addAll(as("nobody", "train", "--epochs", "1", "--train-size", "256", "--no-progress"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(logs.toFile())
            .redirectOutput(logs.resolve("out.txt").toFile()).redirectError(logs.resolve("err.txt").toFile());
        pb.environment().put("HEBBSCOPE_LOG_DIR", logs.toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        assertThat(p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(logs.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isEqualTo(1);
        assertThat(err.lines().toList()).as(err).hasSize(1);
        assertThat(err).startsWith("error: user nobody is not authorized to create topic hebbscope.runs");
        assertThat(new File(logs.toFile(), "train.log")).exists();
    }
}
