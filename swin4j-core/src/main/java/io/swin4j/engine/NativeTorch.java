package io.swin4j.engine;

import org.bytedeco.javacpp.Loader;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Loads libtorch (JavaCPP presets) safely, once per JVM.
 *
 * <p>With an empty {@code ~/.javacpp/cache} the first JVM that loads torch aborts with SIGSEGV while
 * {@code libtorch_cpu.so} is loaded, and two JVMs starting together both abort. Extracting every native
 * library of the javacpp, openblas and pytorch presets into the cache <em>before</em> the first load
 * avoids it. The extraction and the first load run under an inter-process file lock in the cache
 * directory, so concurrent JVMs (parallel test forks, Spark executors) take turns.
 */
public final class NativeTorch {

    private static volatile boolean loaded;

    private NativeTorch() {}

    /** Extracts and loads the native libraries if this JVM has not yet done so. Idempotent and thread-safe. */
    public static void ensureLoaded() {
        if (loaded) return;
        synchronized (NativeTorch.class) {
            if (loaded) return;
            String platform = Loader.getPlatform();
            try {
                File cacheDir = Loader.getCacheDir();
                Files.createDirectories(cacheDir.toPath());
                Path lockFile = cacheDir.toPath().resolve(".swin4j-load.lock");
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                     FileLock ignored = channel.lock()) {
                    Loader.cacheResources(org.bytedeco.javacpp.presets.javacpp.class,
                            "/org/bytedeco/javacpp/" + platform + "/");
                    Loader.cacheResources(org.bytedeco.openblas.presets.openblas.class,
                            "/org/bytedeco/openblas/" + platform + "/");
                    Loader.cacheResources(org.bytedeco.pytorch.presets.torch.class,
                            "/org/bytedeco/pytorch/" + platform + "/");
                    Loader.load(org.bytedeco.pytorch.global.torch.class);
                }
                // NNPACK (stride-1 convolutions) refuses CPUs its cpuinfo does not know and then prints a warning at
                // every convolution; libtorch's other convolution paths serve those calls either way
                org.bytedeco.pytorch.global.torch.globalContext().setUserEnabledNNPACK(false);
            } catch (IOException e) {
                throw new UncheckedIOException("could not extract the libtorch native libraries for " + platform
                        + " into the JavaCPP cache: " + e.getMessage(), e);
            }
            loaded = true;
        }
    }

    /**
     * Sets both compute pools of this process: libtorch's intra-op (OpenMP) threads and OpenBLAS's threads, which
     * otherwise come from {@code OMP_NUM_THREADS} and {@code OPENBLAS_NUM_THREADS} at start-up. For a process that
     * runs several forward passes at once (Spark tasks on one executor), give each {@code cores / concurrent}
     * threads so that together they do not oversubscribe the cores.
     */
    public static void setComputeThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        ensureLoaded();
        org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
    }

    /** libtorch's intra-op (OpenMP) threads for the whole process (OpenBLAS keeps its own pool). */
    public static void setIntraOpThreads(int threads) {
        ensureLoaded();
        org.bytedeco.pytorch.global.torch.set_num_threads(threads);
    }
}
