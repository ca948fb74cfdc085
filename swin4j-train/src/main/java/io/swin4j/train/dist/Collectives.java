package io.swin4j.train.dist;

import io.swin4j.engine.NativeTorch;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.BackendOptional;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The collectives data-parallel training needs, on libtorch's c10d: a {@code TCPStore} rendezvous (hosted by rank 0)
 * and a {@code ProcessGroupGloo} over TCP, the engine PyTorch's DDP uses on CPUs. For a single process every
 * operation is the identity and nothing is opened.
 *
 * <p>Failure: a collective that fails (a peer's connection closed: it died; or the timeout passed: it hangs) becomes
 * a {@link RankFailureException} naming the rank(s) at fault. To tell which, every rank publishes in the store the
 * number of collectives it has entered and a heartbeat that a background thread advances every second: a rank whose
 * heartbeat stopped is dead, one whose count is behind this rank's hangs; a store that cannot be reached means rank 0
 * (which hosts it) is gone.
 */
public final class Collectives implements AutoCloseable {

    private static final String PREFIX = "swin4j/";
    private static final long HEARTBEAT_MS = 1000;

    private final Distributed d;
    private final TCPStore store;
    private final ProcessGroupGloo group;
    private Thread heartbeat;
    private volatile boolean closed;
    private long entered;
    private long communicationNanos;
    private ProcessGroup processGroup;

    private Collectives(Distributed d, TCPStore store, ProcessGroupGloo group) {
        this.d = d;
        this.store = store;
        this.group = group;
    }

    /** The identity collectives of one process. */
    public static Collectives single() {
        return new Collectives(Distributed.single(), null, null);
    }

    /**
     * Joins the job: rank 0 listens at the master address and port, the others connect (retrying until the timeout),
     * then the Gloo group connects every pair of ranks. Returns when all {@code worldSize} ranks have joined.
     */
    public static Collectives open(Distributed d) {
        if (!d.isDistributed()) return single();
        NativeTorch.ensureLoaded();
        Milliseconds timeout = new Milliseconds(d.timeout().toMillis());
        TCPStore store;
        try {
            TCPStoreOptions o = new TCPStoreOptions();
            o.port((short) d.masterPort());
            o.isServer(d.rank() == 0);
            o.waitWorkers(false);
            o.timeout(timeout);
            store = new TCPStore(d.masterAddr(), o);
        } catch (RuntimeException e) {
            throw new RankFailureException(d.label() + ": could not " + (d.rank() == 0 ? "listen on" : "reach rank 0's rendezvous at") + " "
                    + d.masterAddr() + ":" + d.masterPort() + " within " + d.timeout().toSeconds() + " s: " + firstLine(e),
                    d.rank() == 0 ? List.of() : List.of(0), e);
        }
        try {
            // Published before the group forms, so that every rank's keys exist once any rank can fail.
            store.set(key("entered", d.rank()), "0");
            store.set(key("heartbeat", d.rank()), "0");
        } catch (RuntimeException e) {
            throw new RankFailureException(d.label() + ": the rendezvous store at " + d.masterAddr() + ":" + d.masterPort()
                    + " failed: " + firstLine(e), List.of(0), e);
        }
        ProcessGroupGloo group;
        try {
            ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(timeout);
            opts.devices().push_back(device(d.masterAddr(), d.masterPort()));
            group = new ProcessGroupGloo(store, d.rank(), d.worldSize(), opts);
        } catch (RuntimeException e) {
            store.close();
            throw new RankFailureException(d.label() + ": the " + d.worldSize() + " ranks did not all join at " + d.masterAddr() + ":"
                    + d.masterPort() + " within " + d.timeout().toSeconds() + " s: " + firstLine(e), List.of(), e);
        }
        Collectives c = new Collectives(d, store, group);
        c.heartbeat = new Thread(c::beat, "swin4j-heartbeat-rank" + d.rank());
        c.heartbeat.setDaemon(true);
        c.heartbeat.start();
        return c;
    }

    /**
     * The network device Gloo binds and advertises to the other ranks: the interface {@code GLOO_SOCKET_IFNAME} names
     * (as in PyTorch), else this host's address on the route to the master ({@link #addressToward}), else Gloo's
     * default (the address this host's name resolves to). Not the host name first, as Gloo's default does: on
     * machines whose /etc/hosts maps the name to 127.0.0.1 a rank would advertise loopback and no other machine could
     * connect (seen with two network namespaces).
     */
    private static org.bytedeco.pytorch.gloo.Device device(String masterAddr, int masterPort) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) return ProcessGroupGloo.createDeviceForInterface(ifname.split(",")[0].trim());
        String local = addressToward(masterAddr, masterPort);
        return local != null ? ProcessGroupGloo.createDeviceForHostname(local) : ProcessGroupGloo.createDefaultDevice();
    }

    /**
     * The local address this host uses to reach {@code host} (the source address of the route to it; a UDP socket is
     * connected, nothing is sent), or null when there is no route or the name does not resolve.
     */
    static String addressToward(String host, int port) {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            s.connect(java.net.InetAddress.getByName(host), port);
            java.net.InetAddress local = s.getLocalAddress();
            return local == null || local.isAnyLocalAddress() ? null : local.getHostAddress();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String key(String what, int rank) {
        return PREFIX + what + "/" + rank;
    }

    /** Advances this rank's heartbeat every second on its own store connection until closed. */
    private void beat() {
        try (Store own = store.clone()) {
            while (!closed) {
                own.add(key("heartbeat", d.rank()), 1);
                Thread.sleep(HEARTBEAT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the store (rank 0) is gone: the next collective reports it
        }
    }

    public Distributed distributed() { return d; }

    public int rank() { return d.rank(); }

    public int worldSize() { return d.worldSize(); }

    /** Seconds spent in collectives (waiting for the other ranks included) since the start. */
    public double communicationSeconds() {
        return communicationNanos / 1e9;
    }

    /** Sets every tensor to rank 0's values (the initial weights of a data-parallel run). */
    public void broadcast(List<Tensor> tensors) {
        if (!d.isDistributed() || tensors.isEmpty()) return;
        try (FlatBuckets b = new FlatBuckets(tensors, (long) d.bucketCapMb() << 20)) {
            for (int i = 0; i < b.size(); i++) {
                int bucket = i;
                Tensor flat = b.pack(bucket, t -> t);
                run("broadcast", () -> group.broadcast(new TensorVector(flat), root()));
                b.unpack(bucket, t -> t);
            }
        }
    }

    /** Rank 0's {@code bytes} on every rank (the others pass anything, null included). */
    public byte[] broadcastBytes(byte[] bytes) {
        if (!d.isDistributed()) return bytes;
        try (PointerScope scope = new PointerScope()) {
            Tensor length = FlatBuckets.empty(1, torch.ScalarType.Long);
            try (LongPointer p = length.data_ptr_long()) {
                p.put(d.rank() == 0 ? bytes.length : 0);
            }
            run("broadcast", () -> group.broadcast(new TensorVector(length), root()));
            long n;
            try (LongPointer p = length.data_ptr_long()) {
                n = p.get();
            }
            if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("rank 0 sent " + n + " bytes; at most 2 GB fit one message");
            Tensor data = FlatBuckets.empty(n, torch.ScalarType.Byte);
            if (d.rank() == 0 && n > 0) {
                try (BytePointer p = new BytePointer(data.data_ptr())) {
                    p.put(bytes);
                }
            }
            if (n > 0) run("broadcast", () -> group.broadcast(new TensorVector(data), root()));
            byte[] out = new byte[(int) n];
            if (n > 0) {
                try (BytePointer p = new BytePointer(data.data_ptr())) {
                    p.get(out);
                }
            }
            return out;
        }
    }

    private static BroadcastOptions root() {
        BroadcastOptions o = new BroadcastOptions();
        o.rootRank(0);
        return o;
    }

    /** The element-wise sum of {@code values} over all ranks (fp64: counts stay exact up to 2^53). */
    public double[] allReduceSum(double[] values) {
        if (!d.isDistributed()) return values.clone();
        try (PointerScope scope = new PointerScope()) {
            Tensor t = FlatBuckets.empty(values.length, torch.ScalarType.Double);
            try (DoublePointer p = t.data_ptr_double()) {
                p.put(values);
            }
            run("all-reduce", () -> group.allreduce(new TensorVector(t)));
            double[] out = new double[values.length];
            try (DoublePointer p = t.data_ptr_double()) {
                p.get(out);
            }
            return out;
        }
    }

    /**
     * Gradient averaging over the ranks for {@code parameters} (those the optimizer updates, each used in every
     * forward pass): {@link GradientSync}.
     */
    public GradientSync gradientSync(List<Tensor> parameters) {
        return new GradientSync(this, parameters);
    }

    /**
     * The group as c10d's {@code ProcessGroup} (Gloo its CPU backend), which DDP's reducer takes. Made on first use:
     * its (rank, size) constructor, as the (store, rank, size) one aborts in the presets (an intrusive_ptr refcount
     * assertion); the Gloo backend already holds the store.
     */
    ProcessGroup processGroup() {
        if (processGroup == null) {
            processGroup = new ProcessGroup(d.rank(), d.worldSize());
            processGroup.setBackend(torch.DeviceType.CPU, ProcessGroup.BackendType.GLOO, new BackendOptional(group));
            processGroup.setDefaultBackend(ProcessGroup.BackendType.GLOO);
        }
        return processGroup;
    }

    ProcessGroupGloo gloo() {
        return group;
    }

    /** Adds time spent communicating (for {@link #communicationSeconds()}). */
    void count(long nanos) {
        communicationNanos += nanos;
    }

    /** Runs {@code op} as a collective: counted, published, and a failure named ({@link RankFailureException}). */
    <T> T collective(String what, Supplier<T> op) {
        enter();
        return guard(what, op);
    }

    private void run(String what, Supplier<Work> op) {
        long start = System.nanoTime();
        try {
            enter();
            Work w = guard(what, op);
            guard(what, w::_wait);
        } finally {
            communicationNanos += System.nanoTime() - start;
        }
    }

    /** Counts a collective this rank enters and publishes the count (so that a stalled rank can be told apart). */
    private void enter() {
        entered++;
        try {
            store.set(key("entered", d.rank()), Long.toString(entered));
        } catch (RuntimeException e) {
            throw failure("the rendezvous store", e);
        }
    }

    /** Runs {@code op} (a wait on a collective already entered) with a failure named ({@link RankFailureException}). */
    <T> T guard(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (RankFailureException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    /** Finds the ranks at fault after a failed collective and says so. */
    private RankFailureException failure(String what, RuntimeException cause) {
        List<Integer> dead = new ArrayList<>(), behind = new ArrayList<>();
        boolean storeGone = d.rank() != 0 && !reachable();
        if (!storeGone) try (Store probe = store.clone()) {
            probe.setTimeout(new Milliseconds(3 * HEARTBEAT_MS));
            long[] before = new long[d.worldSize()];
            for (int r = 0; r < d.worldSize(); r++) before[r] = number(probe, key("heartbeat", r));
            Thread.sleep(3 * HEARTBEAT_MS);
            for (int r = 0; r < d.worldSize(); r++) {
                if (r == d.rank()) continue;
                if (number(probe, key("heartbeat", r)) == before[r]) dead.add(r);
                else if (number(probe, key("entered", r)) < entered) behind.add(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            storeGone = true;
        }
        String reason;
        List<Integer> ranks;
        if (storeGone) {
            ranks = d.rank() == 0 ? List.of() : List.of(0);
            reason = "rank 0 is gone (its rendezvous store at " + d.masterAddr() + ":" + d.masterPort() + " does not answer)";
        } else if (!dead.isEmpty()) {
            ranks = dead;
            reason = Distributed.ranks(dead) + (dead.size() == 1 ? " does" : " do") + " not respond (heartbeat stopped: died or frozen)";
        } else if (!behind.isEmpty()) {
            ranks = behind;
            reason = Distributed.ranks(behind) + (behind.size() == 1 ? " hangs" : " hang")
                    + " (alive but behind: not in this collective after " + d.timeout().toSeconds() + " s)";
        } else {
            ranks = List.of();
            reason = "a peer failed (every rank still answers; see the other ranks' logs)";
        }
        return new RankFailureException(d.label() + ": the " + what + " failed: " + reason + ". Gloo: " + firstLine(cause), ranks, cause);
    }

    /** Whether rank 0's store still accepts connections (a refused or timed-out connect: it is gone). */
    private boolean reachable() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(d.masterAddr(), d.masterPort()), (int) HEARTBEAT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long number(Store s, String key) {
        return Long.parseLong(s.get_to_str(key).trim());
    }

    /** The first line of a native error, without the build machine's source path Gloo puts in front of it. */
    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).replaceFirst("^\\[/[^\\]]*\\] ", "");
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (heartbeat != null) {
            // Wait for the heartbeat thread to close its own store connection: a daemon thread still inside libtorch
            // when the JVM exits races libtorch's exit-time destructors ("corrupted double-linked list", status 134,
            // seen once on a rank that had finished).
            heartbeat.interrupt();
            try {
                heartbeat.join(5 * HEARTBEAT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (processGroup != null) processGroup.close();
        if (group != null) group.close();
        if (store != null) store.close();
    }
}
