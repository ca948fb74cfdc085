package io.swin4j.engine;

import org.bytedeco.pytorch.global.torch;

/**
 * Sets libtorch's intra-op (OpenMP) pool. OpenBLAS keeps its own pool, sized by {@code OPENBLAS_NUM_THREADS}
 * before the library loads (the {@code ./swin} launcher sets it); the two together must not exceed the cores,
 * or they oversubscribe them (measured here: a Swin-T forward at ~7 img/s with both at 2 threads on 2 cores,
 * ~20 with OpenMP at 1 and OpenBLAS at 2).
 */
public final class Threads {

    private Threads() {}

    /** Sets libtorch's intra-op threads; values below 1 mean the default (OMP_NUM_THREADS, else 1). */
    public static void configure(int intraOpThreads) {
        NativeTorch.ensureLoaded();
        int n = intraOpThreads > 0 ? intraOpThreads : defaultIntraOp();
        torch.set_num_threads(n);
    }

    static int defaultIntraOp() {
        String env = System.getenv("OMP_NUM_THREADS");
        try {
            return env == null ? 1 : Math.max(1, Integer.parseInt(env.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    public static int current() {
        NativeTorch.ensureLoaded();
        return torch.get_num_threads();
    }
}
