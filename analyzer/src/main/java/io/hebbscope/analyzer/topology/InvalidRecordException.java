package io.hebbscope.analyzer.topology;

/** A record the analyzer cannot use; {@code category} is a bounded label for metrics, the message the full reason. */
public class InvalidRecordException extends RuntimeException {
    private final String category;

    public InvalidRecordException(String category, String reason) {
        super(reason);
        this.category = category;
    }

    public InvalidRecordException(String category, String reason, Throwable cause) {
        super(reason, cause);
        this.category = category;
    }

    public String category() {
        return category;
    }
}
