package io.swin4j.bench;

/**
 * One measured configuration, as {@code swin bench --json} and bench/compare.sh print it.
 *
 * @param engine       swin4j, onnxruntime, pytorch
 * @param model        preset or file name
 * @param precision    fp32, bf16, int8 dynamic or int8 static
 * @param threads      the thread settings in effect, e.g. "omp=1 openblas=2"
 * @param macsPerImage multiply-accumulates of one image (the official count)
 * @param gflops       achieved floating-point rate: 2 · MACs · img/s
 * @param peakRssMb    peak resident memory of the process so far
 */
public record BenchResult(String engine, String model, String precision, String threads, int imageSize,
                          double macsPerImage, ThroughputStats stats, double gflops, double peakRssMb) {

    public static BenchResult of(String engine, String model, String precision, String threads, int imageSize,
                                 double macsPerImage, ThroughputStats stats) {
        return new BenchResult(engine, model, precision, threads, imageSize, macsPerImage, stats,
                2 * macsPerImage * stats.imgPerSec() / 1e9, ProcessMemory.peakRssBytes() / 1048576.0);
    }

    /** The thread settings of this process: libtorch's pool (if given) and the environment's. */
    public static String threadSettings(int torchThreads) {
        String blas = System.getenv("OPENBLAS_NUM_THREADS");
        String core = System.getenv("OPENBLAS_CORETYPE");
        String wait = System.getenv("OMP_WAIT_POLICY"), preload = System.getenv("LD_PRELOAD");
        return (torchThreads > 0 ? "omp=" + torchThreads : "omp=" + env("OMP_NUM_THREADS"))
                + (wait == null ? "" : " wait=" + wait.toLowerCase(java.util.Locale.ROOT))
                + " openblas=" + (blas == null ? "default" : blas)
                + (core == null ? "" : " coretype=" + core)
                + (preload != null && preload.contains("tcmalloc") ? " tcmalloc" : "");
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "default" : v;
    }
}
