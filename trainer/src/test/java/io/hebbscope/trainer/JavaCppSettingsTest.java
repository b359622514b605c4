package io.hebbscope.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void javaCppUsesTheSettingInAFreshJvm(@TempDir Path dir) throws Exception {
        assertEquals("0", probe(Files.createDirectory(dir.resolve("default"))));
        assertEquals(String.valueOf(1L << 30), probe(Files.createDirectory(dir.resolve("user")),
            "-D" + JavaCppSettings.MAX_PHYSICAL_BYTES + "=1g"));
    }

    /** Applies the settings, creates an ND4J array and prints JavaCPP's maxPhysicalBytes. */
    public static final class Probe {
        public static void main(String[] args) {
            JavaCppSettings.apply();
            org.nd4j.linalg.factory.Nd4j.create(new float[] {1f, 2f}, new long[] {2});
            System.out.println("maxPhysicalBytes=" + Pointer.maxPhysicalBytes());
        }
    }

    private static String probe(Path dir, String... jvmOptions) throws IOException, InterruptedException {
        List<String> options = new ArrayList<>(List.of("-Xmx512m"));
        options.addAll(List.of(jvmOptions));
        ChildJvm.Result result = ChildJvm.run(dir, options, Map.of(), Probe.class);
        String out = result.output();
        assertEquals(0, result.exitCode(), out);
        return out.lines().filter(l -> l.startsWith("maxPhysicalBytes=")).map(l -> l.substring("maxPhysicalBytes=".length()))
            .findFirst().orElseThrow(() -> new AssertionError("no maxPhysicalBytes line in:\n" + out));
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
