package io.hebbscope.schema;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate generated classes it does not trust when it resolves defaults or
 * older schema versions. Our own generated classes are trusted, in addition to whatever the JVM trusts.
 */
final class AvroTrust {
    private static volatile boolean done;

    private AvroTrust() {}

    static synchronized void ensure() {
        if (done) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
            type -> type.getName().startsWith("io.hebbscope.schema.")));
        done = true;
    }
}
