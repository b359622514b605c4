package io.hebbscope.analyzer;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's native library (the analyzer's state stores) from a per-user cache instead of a fresh temporary copy.
 * RocksDB's own loader writes its 15 MB library to {@code java.io.tmpdir} at every start and deletes it only when the
 * JVM exits normally: every analyzer stopped by {@code kill -9} or a crash, a supported way to stop one, left a copy
 * behind. Here the library is extracted once per library version into
 * {@code $XDG_CACHE_HOME/hebbscope/native} (default {@code ~/.cache/hebbscope/native}) and loaded from there, as
 * ND4J's JavaCPP does with {@code ~/.javacpp/cache}. Where that cannot be done (no writable home, no library in the
 * class path under the expected name), RocksDB's own loader runs as before.
 */
public final class StoreLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(StoreLibrary.class);

    private StoreLibrary() {}

    /** Loads the library once per JVM; later calls and Kafka Streams' RocksDB.loadLibrary() then return at once. */
    public static synchronized void load() {
        load(defaultCache());
    }

    static synchronized void load(Optional<Path> cache) {
        if (loaded) {
            return;
        }
        if (cache.isPresent()) {
            try {
                Optional<Path> dir = cachedCopy(cache.get());
                if (dir.isPresent()) {
                    RocksDB.loadLibrary(List.of(dir.get().toString()));
                }
            } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
                LOG.info("RocksDB's library not loaded from the cache {} ({}); its own loader copies it to {}, where a "
                    + "process stopped by kill -9 leaves the copy", cache.get(), e.toString(),
                    System.getProperty("java.io.tmpdir"));
            }
        }
        RocksDB.loadLibrary(); // returns at once when loaded above
        loaded = true;
    }

    private static boolean loaded;

    /** The library's name in the rocksdbjni jar, the one RocksDB's own loader extracts. */
    static String libraryResource() {
        return Environment.getJniLibraryFileName("rocksdb");
    }

    /**
     * The file name {@link RocksDB#loadLibrary(List)} looks for in each directory it is given: in RocksDB 10.1 it
     * passes "rocksdbjni" where its loader passes "rocksdb", hence {@code librocksdbjnijni-linux64.so}. Computed the
     * same way, so that it follows a RocksDB upgrade; should it stop matching, the load falls back to RocksDB's own
     * loader and {@code StoreLibraryTest} fails.
     */
    static String cachedFileName() {
        return Environment.getJniLibraryFileName("rocksdbjni");
    }

    /**
     * The directory under {@code cache} holding this class path's library, extracted there when not already present:
     * one directory per library build (named by its size and CRC in the jar, so a new RocksDB version gets its own and
     * never loads an old file; directories of earlier versions stay, 15 MB each). A copy whose CRC differs from the
     * jar's (damaged) is replaced. Written to a temporary file and renamed into place, so that concurrent processes
     * never see a partial library; a partial copy abandoned by a stopped process is removed once it is 10 minutes
     * old. Empty when the class path has no library under the expected name, or not in a jar.
     */
    static Optional<Path> cachedCopy(Path cache) throws IOException {
        URL url = RocksDB.class.getClassLoader().getResource(libraryResource());
        if (url == null) {
            return Optional.empty();
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            return Optional.empty(); // not from a jar: RocksDB's own loader copes with that as before
        }
        ZipEntry entry = jar.getJarEntry();
        if (entry.getSize() < 0 || entry.getCrc() < 0) {
            return Optional.empty();
        }
        Path dir = cache.resolve("rocksdbjni-%d-%08x".formatted(entry.getSize(), entry.getCrc()));
        String name = cachedFileName();
        Path library = dir.resolve(name);
        if (Files.isRegularFile(library) && Files.size(library) == entry.getSize() && crc(library) == entry.getCrc()) {
            return Optional.of(dir);
        }
        Files.createDirectories(dir);
        removeAbandonedCopies(dir);
        Path partial = Files.createTempFile(dir, name, PARTIAL);
        try {
            try (InputStream in = jar.getInputStream()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            if (Files.size(partial) != entry.getSize()) {
                throw new IOException("extracted " + Files.size(partial) + " of the " + entry.getSize() + " bytes of "
                    + url);
            }
            try {
                Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, library, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
        return Optional.of(dir);
    }

    private static final String PARTIAL = ".partial";
    /** A partial copy this old was left by a process stopped while extracting; one being written is seconds old. */
    private static final Duration ABANDONED = Duration.ofMinutes(10);

    private static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        }
        return crc.getValue();
    }

    private static void removeAbandonedCopies(Path dir) throws IOException {
        Instant before = Instant.now().minus(ABANDONED);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(PARTIAL)).toList()) {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException e) {
                    // another process removed it, or it cannot be: only disk space
                }
            }
        }
    }

    /** {@code $XDG_CACHE_HOME/hebbscope/native}, else {@code ~/.cache/hebbscope/native}; empty without a home. */
    static Optional<Path> defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Optional.of(Path.of(xdg, "hebbscope", "native"));
        }
        String home = System.getProperty("user.home");
        if (home == null || home.isBlank() || home.equals("?")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(home, ".cache", "hebbscope", "native"));
    }
}
