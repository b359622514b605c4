package io.hebbscope.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;

class StoreLibraryTest {
    @TempDir
    Path dir;

    private static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String resourceSha256() throws Exception {
        try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(StoreLibrary.libraryResource())) {
            assertThat(in).as("RocksDB's library for this platform in the class path").isNotNull();
            return sha256(in);
        }
    }

    private static String fileSha256(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    @Test
    void extractsTheLibraryOnceAndReusesTheCopy() throws Exception {
        Path libraryDir = StoreLibrary.cachedCopy(dir).orElseThrow();
        Path library = libraryDir.resolve(StoreLibrary.cachedFileName());
        assertThat(libraryDir.getParent()).isEqualTo(dir);
        assertThat(fileSha256(library)).isEqualTo(resourceSha256());
        BasicFileAttributes first = Files.readAttributes(library, BasicFileAttributes.class);

        assertThat(StoreLibrary.cachedCopy(dir)).contains(libraryDir);
        BasicFileAttributes second = Files.readAttributes(library, BasicFileAttributes.class);
        assertThat(second.fileKey()).isEqualTo(first.fileKey());
        assertThat(second.lastModifiedTime()).isEqualTo(first.lastModifiedTime());
        try (Stream<Path> files = Files.list(libraryDir)) {
            assertThat(files).containsExactly(library);
        }
    }

    @Test
    void replacesACopyCutShort() throws Exception {
        Path library = StoreLibrary.cachedCopy(dir).orElseThrow().resolve(StoreLibrary.cachedFileName());
        try (var channel = Files.newByteChannel(library, StandardOpenOption.WRITE)) {
            channel.truncate(1000);
        }
        StoreLibrary.cachedCopy(dir);
        assertThat(fileSha256(library)).isEqualTo(resourceSha256());
    }

    @Test
    void replacesADamagedCopyOfTheRightSizeAndAnAbandonedPartialOne() throws Exception {
        Path libraryDir = StoreLibrary.cachedCopy(dir).orElseThrow();
        Path library = libraryDir.resolve(StoreLibrary.cachedFileName());
        try (var channel = Files.newByteChannel(library, StandardOpenOption.WRITE)) {
            channel.position(4096).write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        }
        Path abandoned = libraryDir.resolve(StoreLibrary.cachedFileName() + "123.partial");
        Files.write(abandoned, new byte[1000]);
        Files.setLastModifiedTime(abandoned, java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(java.time.Duration.ofHours(1))));
        Path recent = libraryDir.resolve(StoreLibrary.cachedFileName() + "456.partial");
        Files.write(recent, new byte[1000]); // as if another process were extracting right now

        StoreLibrary.cachedCopy(dir);
        assertThat(fileSha256(library)).isEqualTo(resourceSha256());
        assertThat(abandoned).doesNotExist();
        assertThat(recent).exists();
    }

    @Test
    void concurrentExtractionsLeaveOneWholeCopy() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Optional<Path>>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(() -> StoreLibrary.cachedCopy(dir));
            }
            Path libraryDir = null;
            for (Future<Optional<Path>> f : pool.invokeAll(calls)) {
                Path got = f.get().orElseThrow();
                assertThat(libraryDir == null ? got : libraryDir).isEqualTo(got);
                libraryDir = got;
            }
            Path library = libraryDir.resolve(StoreLibrary.cachedFileName());
            assertThat(fileSha256(library)).isEqualTo(resourceSha256());
            try (Stream<Path> files = Files.list(libraryDir)) {
                assertThat(files).as("no partial copy left").containsExactly(library);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aJvmStoppedWithoutItsShutdownLeavesNoCopyInTheTemporaryDirectory() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux's /proc to see the mapped library");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path cache = dir.resolve("cache");
        String printed = runChild(tmp, cache);

        Path cached = cache.resolve("hebbscope").resolve("native");
        assertThat(printed).as("the library the child mapped").contains("mapped " + cached);
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                .as("what the halted child left in java.io.tmpdir").noneMatch(n -> n.contains("rocksdbjni"));
        }
    }

    @Test
    void anUnusableCacheFallsBackToRocksDbsOwnLoader() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux's /proc to see the mapped library");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path notADirectory = Files.writeString(dir.resolve("cache-is-a-file"), "x");
        String printed = runChild(tmp, notADirectory);
        assertThat(printed).as("the library the child mapped").contains("mapped " + tmp);
    }

    /** Runs {@link LoadAndHalt} with this tmpdir and cache home; returns what it printed. */
    private static String runChild(Path tmp, Path cacheHome) throws Exception {
        Path output = tmp.resolveSibling("child-" + System.nanoTime() + ".out");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Djava.io.tmpdir=" + tmp, LoadAndHalt.class.getName())
            .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
        Process child = builder.start();
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).as("the child JVM finished").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(printed).isZero();
        return printed;
    }

    /** Loads the library as the analyzer does, prints where it was mapped from, then stops as {@code kill -9} would. */
    public static final class LoadAndHalt {
        public static void main(String[] args) throws IOException {
            StoreLibrary.load();
            try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
                maps.filter(line -> line.contains("rocksdbjni")).map(line -> line.substring(line.indexOf('/')))
                    .distinct().forEach(path -> System.out.println("mapped " + path));
            }
            System.out.flush();
            Runtime.getRuntime().halt(0); // no shutdown hooks, no deleteOnExit
        }
    }
}
