package io.hebbscope.cli.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.FileAppender;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/** Where this process's log file is (the commands tell the user once), as logback was configured. */
public final class LogFile {
    /** The system property logback.xml names the file after; set before the first logger is created. */
    public static final String COMMAND_PROPERTY = "hebbscope.command";

    private LogFile() {}

    /** The file the root logger writes to, absolute; empty when logging is configured without one (tests). */
    public static Optional<Path> current() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return Optional.empty();
        }
        var appenders = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
        while (appenders.hasNext()) {
            if (appenders.next() instanceof FileAppender<?> file && file.isStarted() && file.getFile() != null) {
                return Optional.of(Path.of(file.getFile()).toAbsolutePath().normalize());
            }
        }
        return Optional.empty();
    }

    /** Prints "log file: /path/demo.log" (nothing without a log file). */
    public static void announce(PrintWriter out) {
        current().ifPresent(p -> out.println("log file: " + p));
    }
}
