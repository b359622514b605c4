package io.hebbscope.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.lab.report.Figure;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** Checks that a file is a real PNG of the expected size. */
final class Pngs {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private Pngs() {}

    static void assertPng(Path file, int width, int height) throws Exception {
        assertThat(file).as(file.toString()).isRegularFile();
        byte[] bytes = Files.readAllBytes(file);
        assertThat(Arrays.copyOf(bytes, 8)).as(file + " signature").isEqualTo(SIGNATURE);
        assertThat(bytes.length).as(file + " size in bytes").isGreaterThan(5 * 1024);
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as(file + " decodes").isNotNull();
        assertThat(image.getWidth()).as(file + " width").isEqualTo(width);
        assertThat(image.getHeight()).as(file + " height").isEqualTo(height);
    }

    static void assertPng(Path dir, Figure f) throws Exception {
        assertPng(dir.resolve(f.file()), f.width(), f.height());
    }
}
