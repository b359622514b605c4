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

    /**
     * Sets the calling thread's nice value to {@code nice} unless it is already that low in priority; false (and a
     * line in the log) where the system does not allow it. Never throws: a trainer goes on at its priority.
     */
    public static boolean lowerCurrentThread(int nice) {
        Path self = Path.of("/proc/thread-self"); // Linux: a link to <pid>/task/<tid>
        try {
            if (!Files.isSymbolicLink(self)) {
                log.info("thread priorities unchanged: no /proc/thread-self on this system");
                return false;
            }
            OptionalInt now = currentNice();
            if (now.isPresent() && now.getAsInt() >= nice) {
                return true;
            }
            String tid = Files.readSymbolicLink(self).getFileName().toString();
            // The positional form sets the value in util-linux (whatever POSIXLY_CORRECT says), BusyBox and the BSDs;
            // "-n" is an increment in some of them.
            Process renice = new ProcessBuilder("renice", Integer.toString(nice), "-p", tid).redirectErrorStream(true).start();
            if (!renice.waitFor(10, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                log.info("thread priority unchanged: renice {} -p {} did not finish", nice, tid);
                return false;
            }
            String output = new String(renice.getInputStream().readAllBytes()).trim(); // a line: fits the pipe
            OptionalInt after = currentNice();
            if (renice.exitValue() != 0 || after.isPresent() && after.getAsInt() != nice) {
                log.info("thread priority unchanged: renice {} -p {}: {}", nice, tid, output);
                return false;
            }
            log.debug("thread {} ({}) at nice {}", Thread.currentThread().getName(), tid, nice);
            return true;
        } catch (IOException | RuntimeException e) {
            log.info("thread priority unchanged: {}", e.toString());
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
