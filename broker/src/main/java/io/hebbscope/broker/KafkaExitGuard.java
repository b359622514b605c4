package io.hebbscope.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's controller treats a failed startup as fatal and calls {@code Exit.halt(1)}, which in-process would
 * kill the whole application instead of letting {@link EmbeddedKafkaBroker#start()} throw. While any broker is starting, the
 * halt/exit procedures are replaced by ones that only log; Kafka then shuts the controller down and rethrows
 * the original error. Afterwards the default procedures are restored (a custom procedure set by the
 * application through Kafka's internal {@code Exit} class would be reset). After a successful start
 * Kafka's fatal-fault behaviour is unchanged.
 */
final class KafkaExitGuard {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static int active;
    private static volatile boolean available = true;

    private KafkaExitGuard() {
    }

    static synchronized void install() {
        if (active++ > 0 || !available) {
            return;
        }
        try {
            org.apache.kafka.common.utils.internals.Exit.setHaltProcedure((code, msg) ->
                    LOG.error("Kafka requested a JVM halt (status {}{}) while starting in-process; suppressed, start() will fail instead",
                            code, msg == null ? "" : ", " + msg));
            org.apache.kafka.common.utils.internals.Exit.setExitProcedure((code, msg) ->
                    LOG.error("Kafka requested a JVM exit (status {}{}) while starting in-process; suppressed, start() will fail instead",
                            code, msg == null ? "" : ", " + msg));
        } catch (LinkageError e) {
            available = false; // Kafka moved its internal Exit class: nothing to guard with
            LOG.debug("Cannot guard against Kafka's Exit.halt: {}", e.toString());
        }
    }

    static synchronized void uninstall() {
        if (--active > 0 || !available) {
            return;
        }
        org.apache.kafka.common.utils.internals.Exit.resetHaltProcedure();
        org.apache.kafka.common.utils.internals.Exit.resetExitProcedure();
    }
}
