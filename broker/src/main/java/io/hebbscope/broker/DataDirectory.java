package io.hebbscope.broker;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a broker keeps its data: a fresh temporary directory, or the one given. On clean-up it removes only what
 * the broker wrote there (its log directory and configuration) and the directory itself only if it created it.
 */
final class DataDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final Path requested;
    private final boolean keep;
    private Path dir;
    private boolean created;

    DataDirectory(Path requested, boolean keep) {
        this.requested = requested;
        this.keep = keep;
    }

    Path create() {
        try {
            if (requested == null) {
                dir = Files.createTempDirectory("hebbscope-kafka-");
                created = true;
            } else {
                dir = requested.toAbsolutePath();
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir);
                    created = true;
                }
            }
            return dir;
        } catch (IOException e) {
            throw new EmbeddedKafkaBroker.BrokerStartException("Cannot create the Kafka data directory " + requested + ": " + e, e);
        }
    }

    /** The directory, once {@link #create()}d; null before. */
    Path path() {
        return dir;
    }

    void cleanUp() {
        if (dir == null || keep) {
            return;
        }
        try {
            if (created) {
                deleteRecursively(dir);
            } else {
                deleteRecursively(dir.resolve(BrokerSettings.LOG_DIR_NAME));
                Files.deleteIfExists(dir.resolve(KraftStorage.CONFIG_FILE_NAME));
            }
        } catch (IOException e) {
            LOG.warn("Could not delete the Kafka data directory {}: {}", dir, e.toString());
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
