package io.hebbscope.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JavaCppSettingsTest {
    private static final String LOWER = JavaCppSettings.MAX_PHYSICAL_BYTES.toLowerCase(Locale.ROOT);
    private String savedCamel;
    private String savedLower;

    @BeforeEach
    void save() {
        savedCamel = System.getProperty(JavaCppSettings.MAX_PHYSICAL_BYTES);
        savedLower = System.getProperty(LOWER);
        System.clearProperty(JavaCppSettings.MAX_PHYSICAL_BYTES);
        System.clearProperty(LOWER);
    }

    @AfterEach
    void restore() {
        restore(JavaCppSettings.MAX_PHYSICAL_BYTES, savedCamel);
        restore(LOWER, savedLower);
    }

    @Test
    void turnsTheResidentSizeCheckOffWhenUnset() {
        JavaCppSettings.apply();
        assertEquals("0", System.getProperty(JavaCppSettings.MAX_PHYSICAL_BYTES));
    }

    @Test
    void keepsWhatTheUserSetInEitherSpelling() {
        System.setProperty(JavaCppSettings.MAX_PHYSICAL_BYTES, "8g");
        JavaCppSettings.apply();
        assertEquals("8g", System.getProperty(JavaCppSettings.MAX_PHYSICAL_BYTES));

        System.clearProperty(JavaCppSettings.MAX_PHYSICAL_BYTES);
        System.setProperty(LOWER, "6g");
        JavaCppSettings.apply();
        assertNull(System.getProperty(JavaCppSettings.MAX_PHYSICAL_BYTES));
        assertEquals("6g", System.getProperty(LOWER));
    }

    /**
     * In a JVM of its own (JavaCPP reads the setting once, when ND4J first loads it): what JavaCPP uses after
     * {@link JavaCppSettings#apply()} and an ND4J array, with and without the user's own value.
     */
    @Test
    void javaCppUsesTheSettingInAFreshJvm() throws Exception {
        assertEquals("0", probe());
        assertEquals(String.valueOf(1L << 30), probe("-D" + JavaCppSettings.MAX_PHYSICAL_BYTES + "=1g"));
    }

    /** Applies the settings, creates an ND4J array and prints JavaCPP's maxPhysicalBytes. */
    public static final class Probe {
        public static void main(String[] args) {
            JavaCppSettings.apply();
            org.nd4j.linalg.factory.Nd4j.create(new float[] {1f, 2f}, new long[] {2});
            System.out.println("maxPhysicalBytes=" + Pointer.maxPhysicalBytes());
        }
    }

    private static String probe(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
            "-Dorg.nd4j.log.initialization=false"));
        command.addAll(List.of(jvmOptions));
        command.add(Probe.class.getName());
        Path output = Files.createTempFile("javacpp-probe", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            // the test's class path, ND4J's jars included, through the environment: no command-line length limit
            builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
            Process p = builder.start();
            // ND4J's first load takes seconds, more on a busy machine; the bound only stops a hung child
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("the probe JVM did not finish within 10 minutes: " + command);
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            return out.lines().filter(l -> l.startsWith("maxPhysicalBytes=")).map(l -> l.substring("maxPhysicalBytes=".length()))
                .findFirst().orElseThrow(() -> new AssertionError("no maxPhysicalBytes line in:\n" + out));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
