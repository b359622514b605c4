package io.hebbscope.bench;

import io.hebbscope.trainer.publish.EventPublisher;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;

/**
 * ADAPTER POINT: what the bench needs from {@link EventPublisher} beyond its public API, in one place.
 * <ul>
 *   <li>{@code producerProps(Properties)}: the publisher's producer settings, so that ProducerPerformance runs with
 *       exactly them. It is package-private in the trainer module; called by reflection rather than copied, so the
 *       yardstick follows any change. Make it public and call it directly here.</li>
 *   <li>The time training waits for the publisher's queue (branch async-publish adds a counter such as
 *       {@code blockedNanos()}). Looked up by name; absent, the figure is reported as not available. Replace with a
 *       direct call once that branch is merged.</li>
 * </ul>
 */
final class PublisherAccess {
    /** Accessor names the async publisher may give its total wait, in nanoseconds. */
    private static final List<String> WAIT_ACCESSORS = List.of("blockedNanos", "queueWaitNanos", "waitNanos");

    private PublisherAccess() {}

    /** The producer properties EventPublisher builds from {@code client}. */
    static Properties producerProps(Properties client) {
        try {
            Method m = EventPublisher.class.getDeclaredMethod("producerProps", Properties.class);
            m.setAccessible(true);
            return (Properties) m.invoke(null, client);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("EventPublisher.producerProps(Properties) is needed for the "
                + "ProducerPerformance yardstick: " + e, e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("EventPublisher.producerProps failed: " + e.getCause(), e.getCause());
        }
    }

    /** The accessor of the publisher's queue wait, when this build's EventPublisher has one. */
    static String queueWaitAccessor() {
        for (String name : WAIT_ACCESSORS) {
            try {
                Method m = EventPublisher.class.getMethod(name);
                if (m.getReturnType() == long.class) {
                    return name;
                }
            } catch (NoSuchMethodException e) {
                // try the next name
            }
        }
        return null;
    }

    /** Total nanoseconds training waited for the publisher's queue, when the publisher counts it. */
    static OptionalLong queueWaitNanos(EventPublisher publisher) {
        String name = queueWaitAccessor();
        if (name == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of((long) EventPublisher.class.getMethod(name).invoke(publisher));
        } catch (ReflectiveOperationException e) {
            return OptionalLong.empty();
        }
    }
}
