package io.hebbscope.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the calling thread's OS scheduling priority (its Linux nice value), for a trainer that shares the cores with
 * an analyzer in the same process (the demo): when both want the CPU, the analysis runs first and the training takes
 * what is left, so the lag stays small without holding the training. Raising one's own nice value needs no privilege;
 * it cannot be undone without one, so it is applied only to threads that do nothing else (the training and publisher
 * threads). Java's thread priorities do not reach Linux's scheduler by default, hence {@code renice} on the thread id.
 */
public final class ThreadPriority {
    /** The nice value of a yielding trainer's threads: about a tenth of the CPU weight of a thread at 0. */
    public static final int YIELDING_NICE = 10;
    private static final Logger log = LoggerFactory.getLogger(ThreadPriority.class);

    private ThreadPriority() {}

    /** Sets the calling thread's nice value; false (and a line in the log) where the system does not allow it. */
    public static boolean lowerCurrentThread(int nice) {
        Path self = Path.of("/proc/thread-self"); // Linux: a link to <pid>/task/<tid>
        if (!Files.isSymbolicLink(self)) {
            log.info("thread priorities unchanged: no /proc/thread-self on this system");
            return false;
        }
        try {
            String tid = Files.readSymbolicLink(self).getFileName().toString();
            Process renice = new ProcessBuilder("renice", "-n", Integer.toString(nice), "-p", tid)
                .redirectErrorStream(true).start();
            String output = new String(renice.getInputStream().readAllBytes()).trim();
            if (!renice.waitFor(10, TimeUnit.SECONDS) || renice.exitValue() != 0) {
                log.info("thread priority unchanged: renice {} -p {}: {}", nice, tid, output);
                return false;
            }
            log.debug("thread {} ({}) at nice {}", Thread.currentThread().getName(), tid, nice);
            return true;
        } catch (IOException e) {
            log.info("thread priority unchanged: {}", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The calling thread's nice value (field 19 of /proc/thread-self/stat); empty where unknown. */
    public static OptionalInt currentNice() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalInt.of(Integer.parseInt(fields[16])); // field 19 of the whole line
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }
}
