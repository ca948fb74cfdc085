package io.swin4j.train.dist;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the N processes of a job on this machine, as torchrun's local agent does: each runs {@code command} with
 * torchrun's environment ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE},
 * {@code MASTER_ADDR=127.0.0.1}, a free {@code MASTER_PORT}) and its share of the cores ({@code OMP_NUM_THREADS},
 * {@code OPENBLAS_NUM_THREADS}); their output goes to this process's. When a process fails, the others are given
 * {@code grace} to notice and stop on their own, then terminated (SIGTERM, then SIGKILL after 10 s); the launcher's
 * exit status is the first failure's, and it names the rank. A stop of the launcher (Ctrl-C, SIGTERM) is passed on
 * as SIGTERM, so that every rank stops at the same step and rank 0 checkpoints.
 */
public final class LocalLauncher {

    private LocalLauncher() {}

    /** How one rank ended. */
    public record Exit(int rank, int status) {
        public String describe() {
            return "rank " + rank + " " + (status == 0 ? "finished" : status > 128 && status < 160 ? "was killed by signal " + (status - 128)
                    + (status == 137 ? " (SIGKILL)" : status == 143 ? " (SIGTERM)" : "") : "exited with status " + status);
        }
    }

    /** The cores each of {@code nproc} processes gets. */
    public static int threadsPerProcess(int nproc, int cores) {
        return Math.max(1, cores / nproc);
    }

    /**
     * Runs {@code nproc} copies of {@code command} and waits for them; returns 0 when all succeeded, else the status of
     * the first that failed. {@code log} receives the launcher's own lines.
     */
    public static int run(int nproc, List<String> command, Map<String, String> extraEnv, Duration grace, PrintStream log)
            throws IOException, InterruptedException {
        if (nproc < 1) throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
        int port = freePort();
        int threads = threadsPerProcess(nproc, Runtime.getRuntime().availableProcessors());
        List<Process> ps = new ArrayList<>();
        Thread hook = new Thread(() -> {
            // The launcher is stopping (Ctrl-C, SIGTERM): each rank asks for a stop, they agree on a step, rank 0 checkpoints.
            for (Process p : List.copyOf(ps)) p.destroy();
            stopAll(ps, Duration.ofMinutes(10));
        }, "swin4j-launcher-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int r = 0; r < nproc; r++) {
                ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
                Map<String, String> env = pb.environment();
                env.putAll(extraEnv);
                env.putAll(environment(r, nproc, port, threads));
                ps.add(pb.start());
            }
            log.printf("swin train: started %d processes (ranks 0..%d, %d thread%s each, rendezvous 127.0.0.1:%d)%n", nproc, nproc - 1,
                    threads, threads == 1 ? "" : "s", port);
            log.flush();
            Exit first = awaitFirstFailure(ps);
            if (first == null) return 0;
            log.printf("swin train: %s; waiting up to %d s for the other ranks to stop%n", first.describe(), grace.toSeconds());
            log.flush();
            stopAll(ps, grace);
            for (int r = 0; r < ps.size(); r++) {
                if (r != first.rank()) {
                    int s = ps.get(r).exitValue();
                    if (s != 0) log.printf("swin train: %s%n", new Exit(r, s).describe());
                }
            }
            log.flush();
            return first.status();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs: it stops the ranks
            }
        }
    }

    /** torchrun's environment for local rank {@code rank} of {@code nproc} (one machine: global rank = local rank). */
    public static Map<String, String> environment(int rank, int nproc, int port, int threads) {
        Map<String, String> env = new HashMap<>();
        env.put("RANK", String.valueOf(rank));
        env.put("WORLD_SIZE", String.valueOf(nproc));
        env.put("LOCAL_RANK", String.valueOf(rank));
        env.put("LOCAL_WORLD_SIZE", String.valueOf(nproc));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", String.valueOf(port));
        env.put("OMP_NUM_THREADS", String.valueOf(threads));
        env.put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        return env;
    }

    /** Waits until all ranks ended (null) or one failed (that one). */
    private static Exit awaitFirstFailure(List<Process> ps) throws InterruptedException {
        boolean[] done = new boolean[ps.size()];
        int remaining = ps.size();
        while (remaining > 0) {
            for (int r = 0; r < ps.size(); r++) {
                if (done[r] || ps.get(r).isAlive()) continue;
                done[r] = true;
                remaining--;
                int s = ps.get(r).exitValue();
                if (s != 0) return new Exit(r, s);
            }
            if (remaining > 0) Thread.sleep(50);
        }
        return null;
    }

    /** Gives the ranks still running {@code grace} to end, then SIGTERM, then SIGKILL after 10 s. */
    private static void stopAll(List<Process> ps, Duration grace) {
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            for (Process p : List.copyOf(ps)) p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            for (Process p : List.copyOf(ps)) if (p.isAlive()) p.destroy();
            for (Process p : List.copyOf(ps)) if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            for (Process p : List.copyOf(ps)) p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            for (Process p : List.copyOf(ps)) p.destroyForcibly();
        }
    }

    /** A TCP port that was free a moment ago (the OS's choice), for a rendezvous on this machine. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
