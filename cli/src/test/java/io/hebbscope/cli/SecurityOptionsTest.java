package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad {@code broker --security} and {@code --metrics-auth} files are bad options (exit code 2) naming the path and
 * the problem. No broker. The security file itself is tested beside it in the broker module (SecurityFileTest).
 */
class SecurityOptionsTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void badSecurityFilesAreBadOptions() throws Exception {
        Path bad = file("bad.properties", "admin.password=x\nuser.a.password=y\nuser.a.roles=janitor\n");
        assertThat(run("broker", "--security", bad.toString(), "--data-dir", dir.resolve("never").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("security file " + bad + ": user.a.roles: unknown role");
        assertThat(dir.resolve("never")).doesNotExist();
        assertThat(run("broker", "--security", "/no/such/security.properties")).isEqualTo(2);
        assertThat(err.toString()).contains("security file /no/such/security.properties: not found");
    }

    @Test
    void badMetricsAuthFilesAreBadOptions() throws Exception {
        assertThat(run("demo", "--metrics-auth", "/no/such/users.properties")).isEqualTo(2);
        assertThat(err.toString()).contains("--metrics-auth /no/such/users.properties: file not found");
        Path empty = file("empty.properties", "# nobody\n");
        assertThat(run("analyze", "--bootstrap-servers", "127.0.0.1:1", "--metrics-auth", empty.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--metrics-auth " + empty + ": no USER=PASSWORD line");
        Path blank = file("blank.properties", "prometheus=\n");
        assertThat(run("analyze", "--bootstrap-servers", "127.0.0.1:1", "--metrics-auth", blank.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("user 'prometheus' has an empty password");
    }
}
