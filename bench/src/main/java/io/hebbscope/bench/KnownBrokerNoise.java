package io.hebbscope.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * While the bench runs, drops the in-process broker's ERROR lines about an idempotent producer's first batches to a
 * new partition arriving out of order ("Expected sequence 0 for transactions v2 idempotent producer with no
 * existing state", KAFKA-18202; stack notes): the client retries them in order and nothing is lost, but every
 * new Kafka Streams application's changelog topics produce a page of them, which would bury the bench's table.
 * Only that exact case is dropped; a send that really fails still fails the bench.
 */
final class KnownBrokerNoise extends TurboFilter implements AutoCloseable {
    private final LoggerContext context;

    private KnownBrokerNoise(LoggerContext context) {
        this.context = context;
    }

    /** Installs the filter when logging goes through logback; closing removes it. */
    static AutoCloseable install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return () -> {};
        }
        KnownBrokerNoise filter = new KnownBrokerNoise(context);
        filter.start();
        context.addTurboFilter(filter);
        return filter;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (t instanceof OutOfOrderSequenceException && t.getMessage() != null
            && t.getMessage().contains("idempotent producer with no existing state")) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    @Override
    public void close() {
        context.getTurboFilterList().remove(this);
        stop();
    }
}
