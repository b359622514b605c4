package io.hebbscope.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's storage: its generated {@code server.properties}, rewritten on every start, and a log directory
 * formatted ({@code kafka-storage format --standalone}) only when it holds no {@code meta.properties}, so a restart
 * on a kept directory keeps the cluster id, the topics and their records.
 */
final class KraftStorage {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    static final String CONFIG_FILE_NAME = "server.properties";

    private KraftStorage() {}

    /** Writes the configuration into {@code dataDir}, formats the log directory if new, and returns the cluster id. */
    static String prepare(Properties props, Path dataDir) {
        return prepare(props, dataDir, null);
    }

    /**
     * The same for a secured broker: the configuration (it holds the admin password) readable by its owner only,
     * and the admin's SCRAM credential written into a new log directory's bootstrap metadata
     * ({@code --add-scram}), so that the broker can authenticate to itself from its first start.
     */
    static String prepare(Properties props, Path dataDir, BrokerSecurity security) {
        Path configFile = dataDir.resolve(CONFIG_FILE_NAME);
        writeProperties(props, configFile, security != null);
        Path logDir = Path.of(props.getProperty("log.dirs").split(",")[0].trim());
        Path meta = logDir.resolve("meta.properties");
        if (!Files.exists(meta)) {
            List<String> args = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c",
                configFile.toString(), "--standalone"));
            if (security != null) {
                args.addAll(List.of("--add-scram", BrokerSecurity.MECHANISM + "=[name=" + BrokerSecurity.ADMIN
                    + ",password=" + security.adminPassword() + "]"));
            }
            format(args.toArray(String[]::new), dataDir);
        }
        return Files.exists(meta) ? readProperties(meta).getProperty("cluster.id") : null;
    }

    /** The configuration the broker last started with in {@code dataDir}, or null when there is none. */
    static Properties previousConfig(Path dataDir) {
        Path file = dataDir.resolve(CONFIG_FILE_NAME);
        return Files.isRegularFile(file) ? readProperties(file) : null;
    }

    /** Whether {@code config}'s log directory has been formatted. */
    static boolean isFormatted(Properties config) {
        return Files.exists(Path.of(config.getProperty("log.dirs").split(",")[0].trim()).resolve("meta.properties"));
    }

    /** The admin password of a secured broker's configuration (its client listener's JAAS line), or null when unsecured. */
    static String adminPassword(Properties config) {
        String jaas = config.getProperty("listener.name." + BrokerSettings.SASL_LISTENER.toLowerCase(java.util.Locale.ROOT) + "."
            + BrokerSecurity.MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config");
        if (jaas == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("password=\"([^\"]*)\"").matcher(jaas);
        return m.find() ? m.group(1) : null;
    }

    private static void format(String[] args, Path dataDir) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args, out);
        } catch (Exception e) {
            throw new EmbeddedKafkaBroker.BrokerStartException("Formatting the Kafka storage in " + dataDir + " failed: "
                + e.getMessage() + outputSuffix(buf), e);
        }
        if (rc != 0) {
            throw new EmbeddedKafkaBroker.BrokerStartException("Formatting the Kafka storage in " + dataDir
                + " failed with exit code " + rc + outputSuffix(buf), null);
        }
        LOG.debug("Formatted Kafka storage: {}", buf.toString(StandardCharsets.UTF_8).trim());
    }

    private static String outputSuffix(ByteArrayOutputStream buf) {
        String s = buf.toString(StandardCharsets.UTF_8).trim();
        return s.isEmpty() ? "" : " (" + s + ")";
    }

    private static void writeProperties(Properties props, Path file, boolean ownerOnly) {
        if (ownerOnly) {
            ownerOnly(file);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, "Generated by hebbscope EmbeddedKafkaBroker; rewritten on every start");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /** Creates {@code file} (or truncates nothing: only its permissions change) readable and writable by its owner alone. */
    private static void ownerOnly(Path file) {
        try {
            Set<PosixFilePermission> rw = PosixFilePermissions.fromString("rw-------");
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(rw));
            } else {
                Files.setPosixFilePermissions(file, rw);
            }
        } catch (UnsupportedOperationException e) {
            LOG.debug("No POSIX permissions here: {} keeps the default ones", file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot restrict the permissions of " + file, e);
        }
    }

    private static Properties readProperties(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return p;
    }
}
