package io.hebbscope.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Locale;
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

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
