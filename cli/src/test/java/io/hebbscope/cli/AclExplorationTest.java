package io.hebbscope.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.plugin.Plugins;
import io.hebbscope.broker.BrokerSecurity;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.broker.security.HebbscopeAcls;
import io.hebbscope.schema.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Which of each role's ACLs its command cannot do without: one secured broker, and per role and per ACL a fresh topic
 * prefix and application id whose user holds the role's ACLs but that one; the command (a run published first where
 * the role reads one) either still works or fails. Prints one EXPLORE line per case and writes them to
 * target/acl-exploration.txt. About a quarter of an hour: run it after a Kafka upgrade, with
 * {@code -Dhebbscope.exploreAcls=true} (and {@code -Dhebbscope.exploreRoles=analyzer,replay} for some roles only).
 */
@EnabledIfSystemProperty(named = "hebbscope.exploreAcls", matches = "true")
class AclExplorationTest {
    @TempDir
    Path dir;

    static final List<String> authLogs = new CopyOnWriteArrayList<>();

    static final class Catcher extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            String text = e.getFormattedMessage();
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                text += " | " + t.getClassName() + ": " + t.getMessage();
            }
            if (text.toLowerCase().contains("authoriz") || text.toLowerCase().contains("not authorized")) {
                authLogs.add(e.getLoggerName() + ": " + text);
            }
        }
    }

    record Outcome(boolean ok, String detail) {}

    @Test
    void explore() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Catcher catcher = new Catcher();
        catcher.setContext(root.getLoggerContext());
        catcher.start();
        root.addAppender(catcher);
        ((Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(ch.qos.logback.classic.Level.WARN);
        List<String> report = new ArrayList<>();
        String only = System.getProperty("hebbscope.exploreRoles", "trainer,analyzer,replay,reader");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().security(BrokerSecurity.builder("admin-pw")
            .user("u", "u-pw").build()).build().start();
             Admin admin = Admin.create(broker.adminProperties())) {
            int n = 0;
            for (HebbscopeAcls.Role role : HebbscopeAcls.Role.values()) {
                if (!only.contains(role.id())) {
                    continue;
                }
                for (int skip = -1; ; skip++) {
                    n++;
                    Topics topics = new Topics("x" + n);
                    HebbscopeAcls.Scope scope = new HebbscopeAcls.Scope(topics, topics, "x" + n + "-analyzer", "x" + n + "-replay-",
                        "x" + n + ".replay-");
                    List<AclBinding> all = HebbscopeAcls.of("u", role, scope);
                    if (skip >= all.size()) {
                        break;
                    }
                    List<AclBinding> granted = new ArrayList<>(all);
                    AclBinding removed = skip < 0 ? null : granted.remove(skip);
                    // data for the readers: a run published as admin
                    if (role != HebbscopeAcls.Role.TRAINER) {
                        Result r = cli("train", "--bootstrap-servers", broker.bootstrapServers(), "--client-config",
                            write(dir.resolve("admin.properties"), broker.adminProperties()), "--topic-prefix", topics.prefix(),
                            "--epochs", "1", "--train-size", "128", "--batch-size", "64", "--validation-size", "64",
                            "--no-progress", "--partitions", "2");
                        if (r.code != 0) {
                            throw new IllegalStateException(r.err);
                        }
                    }
                    admin.createAcls(granted).all().get(30, TimeUnit.SECONDS);
                    awaitAcls(admin, granted.size());
                    authLogs.clear();
                    Outcome o;
                    try {
                        o = switch (role) {
                            case TRAINER -> fromCli(cli(with(broker, topics, "train", "--epochs", "1", "--train-size", "128",
                                "--batch-size", "64", "--validation-size", "64", "--no-progress", "--partitions", "2")));
                            case ANALYZER -> analyzer(broker, topics, scope);
                            case REPLAY -> fromCli(cli(with(broker, topics, "replay", "--plugins", "stationarity",
                                "--application-id", scope.replayApplicationIdPrefix() + "1", "--output-topic-prefix",
                                scope.replayOutputPrefix() + "1", "--partitions", "2", "--timeout", "90")));
                            case READER -> fromCli(cli(with(broker, topics, "export", "--out", dir.resolve("export" + n).toString())));
                        };
                    } catch (Exception e) {
                        o = new Outcome(false, e.toString());
                    }
                    String line = role.id() + " without " + (removed == null ? "nothing" : removed.pattern().resourceType() + " "
                        + removed.pattern().name() + " " + removed.pattern().patternType() + " " + removed.entry().operation())
                        + ": " + (o.ok() ? "OK" : "FAILS") + (authLogs.isEmpty() ? "" : " [auth logs: " + authLogs.size() + ": "
                        + authLogs.get(0).substring(0, Math.min(300, authLogs.get(0).length())) + "]")
                        + (o.ok() ? "" : " -- " + o.detail().substring(0, Math.min(300, o.detail().length())));
                    System.out.println("EXPLORE " + line);
                    report.add(line);
                    admin.deleteAcls(granted.stream().map(AclBinding::toFilter).toList()).all().get(30, TimeUnit.SECONDS);
                    awaitAcls(admin, 0);
                }
            }
        }
        Files.write(Path.of("target", "acl-exploration.txt"), report);
    }

    private static void awaitAcls(Admin admin, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS).size() != count
            && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private Outcome analyzer(EmbeddedKafkaBroker broker, Topics topics, HebbscopeAcls.Scope scope) throws Exception {
        Properties client = broker.clientProperties("u");
        var plugins = Plugins.select(Plugins.discover(getClass().getClassLoader()), List.of("stationarity"));
        try (Analyzer a = Analyzer.start(new Analyzer.Options(client, topics, scope.analyzerApplicationId(),
            Files.createTempDirectory(dir, "state"), AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 2, (short) 1), plugins)) {
            a.awaitRunning(Duration.ofSeconds(90));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && a.failure() == null) {
                int n = TopicReader.readAll(broker.adminProperties(), topics.layerAlignment()).size();
                int p = TopicReader.readAll(broker.adminProperties(), topics.pluginResults("stationarity")).size();
                if (n >= 6 && p >= 6) {
                    Thread.sleep(3000); // purges, commits: let errors show
                    return new Outcome(a.failure() == null, String.valueOf(a.failure()));
                }
                Thread.sleep(300);
            }
            return new Outcome(false, "no results; failure " + a.failure());
        }
    }

    record Result(int code, String out, String err) {}

    private static Outcome fromCli(Result r) {
        return new Outcome(r.code == 0, r.err.trim());
    }

    private String[] with(EmbeddedKafkaBroker broker, Topics topics, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--bootstrap-servers", broker.bootstrapServers(), "--client-config",
            write(dir.resolve("u.properties"), broker.clientProperties("u")), "--topic-prefix", topics.prefix(),
            "--connect-timeout", "30"));
        return a.toArray(String[]::new);
    }

    private static String write(Path file, Properties p) throws Exception {
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file.toString();
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
