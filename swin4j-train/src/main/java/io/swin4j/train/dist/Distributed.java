package io.swin4j.train.dist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a training process stands in a data-parallel job: its rank among {@code worldSize} processes and the
 * rendezvous (the c10d TCP store that rank 0 hosts at {@code masterAddr:masterPort}). {@link #single()} is the
 * one-process run. Built from torchrun's environment ({@link #fromEnvironment}), from flags ({@link #of}), or by
 * {@code swin train --nproc N}, which starts N local processes with that environment.
 *
 * <p>{@code timeout}: how long a collective (and the rendezvous) waits for the other ranks before this rank stops with
 * a message naming the rank that is missing. A rank that dies is noticed at once (its connections close); one that
 * hangs, after the timeout. {@code bucketCapMb}: the size of the gradient buckets that are all-reduced as one
 * message each (DDP's {@code bucket_cap_mb}); {@code overlap}: whether they go during the backward pass (DDP's
 * reducer) or after it.
 */
public final class Distributed {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_BUCKET_CAP_MB = 25;
    /** The environment variables of torchrun (and of {@code swin train --nproc}) that place a process in a job. */
    public static final List<String> ENVIRONMENT = List.of("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK",
            "LOCAL_WORLD_SIZE");

    private final int rank, worldSize, localRank, localWorldSize;
    private final String masterAddr;
    private final int masterPort;
    private final Duration timeout;
    private final int bucketCapMb;
    private final boolean overlap;

    private Distributed(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort,
                        Duration timeout, int bucketCapMb, boolean overlap) {
        List<String> p = new ArrayList<>();
        if (worldSize < 1) p.add("the world size must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= Math.max(1, worldSize)) p.add("the rank must be in [0, " + worldSize + "), got " + rank);
        if (localWorldSize < 1) p.add("the local world size must be >= 1, got " + localWorldSize);
        if (localRank < 0 || localRank >= Math.max(1, localWorldSize)) {
            p.add("the local rank must be in [0, " + localWorldSize + "), got " + localRank);
        }
        if (worldSize > 1) {
            if (masterAddr == null || masterAddr.isBlank()) p.add("a job of " + worldSize + " ranks needs the master address (MASTER_ADDR or --master HOST:PORT)");
            if (masterPort < 1 || masterPort > 65535) p.add("the master port must be in [1, 65535], got " + masterPort);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) p.add("the timeout must be positive, got " + timeout);
        if (bucketCapMb < 1) p.add("the bucket size must be >= 1 MB, got " + bucketCapMb);
        if (!p.isEmpty()) throw new IllegalArgumentException("distributed training: " + String.join("; ", p));
        this.rank = rank;
        this.worldSize = worldSize;
        this.localRank = localRank;
        this.localWorldSize = localWorldSize;
        this.masterAddr = masterAddr;
        this.masterPort = masterPort;
        this.timeout = timeout;
        this.bucketCapMb = bucketCapMb;
        this.overlap = overlap;
    }

    /** One process: no rendezvous, collectives are identities. */
    public static Distributed single() {
        return new Distributed(0, 1, 0, 1, null, 0, DEFAULT_TIMEOUT, DEFAULT_BUCKET_CAP_MB, true);
    }

    /** Rank {@code rank} of {@code worldSize}, meeting the others at {@code masterAddr:masterPort} (rank 0 listens there). */
    public static Distributed of(int rank, int worldSize, String masterAddr, int masterPort) {
        return new Distributed(rank, worldSize, 0, 1, masterAddr, masterPort, DEFAULT_TIMEOUT, DEFAULT_BUCKET_CAP_MB, true);
    }

    /** {@code HOST:PORT} (IPv6 hosts in brackets: {@code [::1]:29500}) as {@code --master} takes it. */
    public static Distributed of(int rank, int worldSize, String master) {
        int colon = master == null ? -1 : master.lastIndexOf(':');
        if (colon <= 0 || colon == master.length() - 1) {
            throw new IllegalArgumentException("--master must be HOST:PORT, e.g. 10.0.0.1:29500, got '" + master + "'");
        }
        String host = master.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        return of(rank, worldSize, host, port("--master", master.substring(colon + 1)));
    }

    /**
     * The job torchrun's environment describes ({@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR},
     * {@code MASTER_PORT}; {@code LOCAL_RANK} and {@code LOCAL_WORLD_SIZE} when set), or null when {@code RANK}
     * and {@code WORLD_SIZE} are both absent. A partial or malformed environment is an error naming the variable.
     */
    public static Distributed fromEnvironment(Map<String, String> env) {
        String rank = env.get("RANK"), world = env.get("WORLD_SIZE");
        if (rank == null && world == null) return null;
        if (rank == null || world == null) {
            throw new IllegalArgumentException("torchrun environment: " + (rank == null ? "WORLD_SIZE is set but RANK is not"
                    : "RANK is set but WORLD_SIZE is not"));
        }
        int w = integer("WORLD_SIZE", world);
        String addr = env.get("MASTER_ADDR");
        String port = env.get("MASTER_PORT");
        if (w > 1 && (addr == null || port == null)) {
            throw new IllegalArgumentException("torchrun environment: WORLD_SIZE is " + w + " but " + (addr == null ? "MASTER_ADDR" : "MASTER_PORT")
                    + " is not set");
        }
        int lws = env.containsKey("LOCAL_WORLD_SIZE") ? integer("LOCAL_WORLD_SIZE", env.get("LOCAL_WORLD_SIZE")) : 1;
        int lr = env.containsKey("LOCAL_RANK") ? integer("LOCAL_RANK", env.get("LOCAL_RANK")) : 0;
        if (!env.containsKey("LOCAL_WORLD_SIZE")) lws = Math.max(1, lr + 1);
        return new Distributed(integer("RANK", rank), w, lr, lws, addr, port == null ? 0 : port("MASTER_PORT", port), DEFAULT_TIMEOUT,
                DEFAULT_BUCKET_CAP_MB, true);
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
        }
    }

    private static int port(String name, String value) {
        int p = integer(name, value);
        if (p < 1 || p > 65535) throw new IllegalArgumentException(name + " must be a port in [1, 65535], got " + p);
        return p;
    }

    /** This process's place on its machine ({@code LOCAL_RANK} of {@code LOCAL_WORLD_SIZE}): it sets the compute threads. */
    public Distributed optLocal(int localRank, int localWorldSize) {
        return new Distributed(rank, worldSize, localRank, localWorldSize, masterAddr, masterPort, timeout, bucketCapMb, overlap);
    }

    public Distributed optTimeout(Duration timeout) {
        return new Distributed(rank, worldSize, localRank, localWorldSize, masterAddr, masterPort, timeout, bucketCapMb, overlap);
    }

    public Distributed optBucketCapMb(int megabytes) {
        return new Distributed(rank, worldSize, localRank, localWorldSize, masterAddr, masterPort, timeout, megabytes, overlap);
    }

    /**
     * Whether the gradient all-reduce overlaps the backward pass (c10d's DDP reducer; the default) or follows it
     * ({@link GradientSync}).
     */
    public Distributed optOverlap(boolean overlap) {
        return new Distributed(rank, worldSize, localRank, localWorldSize, masterAddr, masterPort, timeout, bucketCapMb, overlap);
    }

    public boolean overlap() { return overlap; }

    public int rank() { return rank; }

    public int worldSize() { return worldSize; }

    public int localRank() { return localRank; }

    public int localWorldSize() { return localWorldSize; }

    public String masterAddr() { return masterAddr; }

    public int masterPort() { return masterPort; }

    public Duration timeout() { return timeout; }

    public int bucketCapMb() { return bucketCapMb; }

    public boolean isDistributed() { return worldSize > 1; }

    /** Rank 0 writes the run directory (checkpoints, metrics, curves) and draws progress. */
    public boolean isMain() { return rank == 0; }

    /**
     * The compute threads (libtorch's and OpenBLAS's pools) of this process when the settings name none: the cores
     * shared out among the processes of this machine, or 0 (libtorch's default) for a lone process.
     */
    public int defaultThreads(int cores) {
        return localWorldSize > 1 ? Math.max(1, cores / localWorldSize) : 0;
    }

    /** "rank 1": how this process's messages name it. */
    public String label() {
        return "rank " + rank;
    }

    /** {@code message} as this process logs it: prefixed "[rank r] " in a job of several ranks, as is for one process. */
    public String tag(String message) {
        return isDistributed() ? "[" + label() + "] " + message : message;
    }

    /** "rank 1" or "ranks 1, 3": how messages name the ranks at fault. */
    public static String ranks(List<Integer> ranks) {
        return (ranks.size() == 1 ? "rank " : "ranks ") + String.join(", ", ranks.stream().map(String::valueOf).toList());
    }

    @Override
    public String toString() {
        return worldSize == 1 ? "single process" : "rank " + rank + " of " + worldSize + " (local " + localRank + " of " + localWorldSize
                + ") via " + masterAddr + ":" + masterPort + ", timeout " + timeout.toSeconds() + " s";
    }
}
