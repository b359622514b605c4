package io.hebbscope.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {
    @Test
    void threadsAreKnownByTheirFirstFifteenCharacters() {
        Optional<ThreadCpu> watch = ThreadCpu.watch(ProcessHandle.current().pid(), "bench-long-stored-log", Duration.ofSeconds(1));
        assumeTrue(watch.isPresent(), "no /proc/<pid>/task/<tid>/schedstat on this system");
        try (ThreadCpu cpu = watch.get()) {
            assertThat(cpu.kind("bench-long-stor")).isEqualTo("streams"); // "bench-long-stored-log-<uuid>-StreamThread-1"
            assertThat(cpu.kind("bench-long-sto")).isEqualTo("other");
            assertThat(cpu.kind("C1 CompilerThre")).isEqualTo("jit");
            assertThat(cpu.kind("C2 CompilerThre")).isEqualTo("jit");
            assertThat(cpu.kind("kafka-producer-")).isEqualTo("producer-io");
            assertThat(cpu.kind("GC Thread#1")).isEqualTo("gc");
            assertThat(cpu.kind("G1 Refine#0")).isEqualTo("gc");
            assertThat(cpu.kind("kafka-coordinat")).isEqualTo("other");
            assertThat(cpu.kind("main")).isEqualTo("other");
        }
        try (ThreadCpu shortId = ThreadCpu.watch(ProcessHandle.current().pid(), "app", Duration.ofSeconds(1)).orElseThrow()) {
            assertThat(shortId.kind("app-5f3e-Stream")).isEqualTo("streams");
            assertThat(shortId.kind("apple")).isEqualTo("other");
        }
    }

    @Test
    void aBusyThreadsCpuIsCountedAndStaysAfterItEnds() throws Exception {
        Optional<ThreadCpu> watch = ThreadCpu.watch(ProcessHandle.current().pid(), "cpu-test", Duration.ofMillis(50));
        assumeTrue(watch.isPresent(), "no /proc/<pid>/task/<tid>/schedstat on this system");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        AtomicLong burnedNs = new AtomicLong();
        CountDownLatch burned = new CountDownLatch(1);
        CountDownLatch end = new CountDownLatch(1);
        Thread busy = new Thread(() -> {
            long sink = 0;
            // spins until the JVM itself counts 300 ms of this thread's CPU, however loaded the machine
            while (threads.getCurrentThreadCpuTime() < 300_000_000L) {
                for (int i = 0; i < 100_000; i++) {
                    sink += i ^ sink;
                }
            }
            burnedNs.set(threads.getCurrentThreadCpuTime() + (sink == 42 ? 1 : 0));
            burned.countDown();
            try {
                end.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cpu-test-StreamThread-1");
        try (ThreadCpu cpu = watch.get()) {
            busy.start();
            burned.await();
            ThreadCpu.Split whileRunning = cpu.split();
            assertThat(whileRunning.streams()).isGreaterThanOrEqualTo(0.9 * burnedNs.get() / 1e9);
            assertThat(whileRunning.total()).isGreaterThanOrEqualTo(whileRunning.streams());
            assertThat(whileRunning.jit() + whileRunning.producerIo() + whileRunning.gc() + whileRunning.other()
                + whileRunning.streams()).isCloseTo(whileRunning.total(), org.assertj.core.api.Assertions.within(1e-9));
            assertThat(whileRunning.process()).isGreaterThanOrEqualTo(whileRunning.streams());
            end.countDown();
            busy.join();
            // only once the kernel has dropped the thread does the next reading rest on the kept one
            while (threadListed("cpu-test-Stream")) {
                Thread.sleep(10);
            }
            assertThat(cpu.split().streams()).isGreaterThanOrEqualTo(whileRunning.streams());
        } finally {
            end.countDown();
        }
    }

    private static boolean threadListed(String comm) throws java.io.IOException {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            return tasks.anyMatch(t -> {
                try {
                    return java.nio.file.Files.readString(t.resolve("comm")).trim().equals(comm);
                } catch (java.io.IOException ended) {
                    return false;
                }
            });
        }
    }
}
