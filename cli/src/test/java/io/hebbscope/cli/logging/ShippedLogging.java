package io.hebbscope.cli.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Runs code under the logging configuration the command ships (src/main/resources/logback.xml, which the test
 * classpath's logback-test.xml otherwise shadows), with the log file in a given directory and System.err (where
 * logback's console appender writes) captured. Closing restores the test configuration and System.err.
 */
public final class ShippedLogging implements AutoCloseable {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private ShippedLogging(Path logDir, String command) throws JoranException {
        URL shipped = ShippedLogging.class.getClassLoader().getResource("logback.xml");
        if (shipped == null) {
            throw new IllegalStateException("logback.xml not on the class path");
        }
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        configure(context, shipped, logDir, command);
    }

    /** Reconfigures the process-wide logback context; use in try-with-resources. */
    public static ShippedLogging start(Path logDir, String command) throws JoranException {
        return new ShippedLogging(logDir, command);
    }

    /** Configures {@code context} from {@code config} with the log file {@code logDir/command.log}. */
    static void configure(LoggerContext context, URL config, Path logDir, String command) throws JoranException {
        context.reset();
        context.putProperty("HEBBSCOPE_LOG_DIR", logDir.toString());
        context.putProperty(LogFile.COMMAND_PROPERTY, command);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
    }

    /** What went to System.err so far: log lines and anything else written there. */
    public String console() {
        System.err.flush();
        return console.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws JoranException {
        System.setErr(originalErr);
        context.reset();
        new ContextInitializer(context).autoConfig();
    }
}
