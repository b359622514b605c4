package io.hebbscope.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.boolex.EventEvaluatorBase;
import java.util.Arrays;
import java.util.List;

/**
 * A logback evaluator (for {@code EvaluatorFilter}) that matches logging events by logger, exception and
 * message, so that {@code logback.xml} can name known log events one by one. Each property left unset matches
 * everything; the ones set must all match.
 *
 * <ul>
 *   <li>{@code loggers}: comma-separated logger names; a name matches itself and its children
 *       ({@code kafka} matches {@code kafka.server.ReplicaManager}, not {@code kafkaesque}).</li>
 *   <li>{@code exception}: an exception class, simple or fully qualified name, anywhere in the event's
 *       cause chain (Kafka often wraps the interesting one); several, comma-separated: any of them.</li>
 *   <li>{@code messageContains}: text in the event's message or in the message of any exception of the chain.</li>
 * </ul>
 */
public final class EventMatch extends EventEvaluatorBase<ILoggingEvent> {
    /** Enough for Kafka's wrapping; bounds the walk should a chain be cyclic. */
    private static final int MAX_CAUSES = 16;
    private List<String> loggers = List.of();
    private List<String> exceptions;
    private String messageContains;

    public void setLoggers(String names) {
        loggers = Arrays.stream(names.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public void setException(String classNames) {
        exceptions = Arrays.stream(classNames.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public void setMessageContains(String text) {
        messageContains = text;
    }

    @Override
    public void start() {
        if (loggers.isEmpty() && exceptions == null && messageContains == null) {
            addError("EventMatch " + getName() + " has no condition: set loggers, exception or messageContains");
            return;
        }
        super.start();
    }

    @Override
    public boolean evaluate(ILoggingEvent event) {
        return loggerMatches(event.getLoggerName()) && exceptionMatches(event.getThrowableProxy())
            && messageMatches(event);
    }

    private boolean loggerMatches(String name) {
        if (loggers.isEmpty()) {
            return true;
        }
        for (String l : loggers) {
            if (name.equals(l) || name.startsWith(l) && name.charAt(l.length()) == '.') {
                return true;
            }
        }
        return false;
    }

    private boolean exceptionMatches(IThrowableProxy thrown) {
        if (exceptions == null) {
            return true;
        }
        int depth = 0;
        for (IThrowableProxy t = thrown; t != null && depth++ < MAX_CAUSES; t = t.getCause()) {
            String name = t.getClassName();
            for (String exception : exceptions) {
                if (name.equals(exception) || name.endsWith("." + exception) || name.endsWith("$" + exception)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean messageMatches(ILoggingEvent event) {
        if (messageContains == null) {
            return true;
        }
        String message = event.getFormattedMessage();
        if (message != null && message.contains(messageContains)) {
            return true;
        }
        int depth = 0;
        for (IThrowableProxy t = event.getThrowableProxy(); t != null && depth++ < MAX_CAUSES; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(messageContains)) {
                return true;
            }
        }
        return false;
    }
}
