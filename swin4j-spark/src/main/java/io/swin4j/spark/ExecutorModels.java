package io.swin4j.spark;

import io.swin4j.engine.NativeTorch;
import io.swin4j.infer.BundledModel;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.vision.EvalPreset;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * One model per executor JVM: loaded on first use by the first task that needs it, then shared by every task on
 * the executor (SwinPredictor is thread-safe), closed when the JVM exits. Weights are read from any URI the
 * executor's Hadoop configuration can open (hdfs://, s3a://, file:, a plain path), copied once to a local
 * temporary file.
 */
final class ExecutorModels {

    private static final Map<SparkInferenceSettings, SwinPredictor> MODELS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MODELS.values().forEach(SwinPredictor::close),
                "swin4j-executor-models"));
    }

    /**
     * One forward pass of a partition's batch through the executor's model. A seam: tests replace it to inject
     * failures into a task; nothing else sets it.
     */
    static volatile BiFunction<SwinPredictor, List<float[]>, SwinPredictor.BatchOutput> forward = SwinPredictor::forward;

    private ExecutorModels() {}

    private static volatile Configuration hadoopConf;

    /** One Hadoop configuration per executor (building one parses its XML resources). */
    static Configuration hadoopConf() {
        if (hadoopConf == null) {
            synchronized (ExecutorModels.class) {
                if (hadoopConf == null) hadoopConf = new Configuration();
            }
        }
        return hadoopConf;
    }

    static SwinPredictor get(SparkInferenceSettings settings) {
        return MODELS.computeIfAbsent(settings, ExecutorModels::load);
    }

    private static SwinPredictor load(SparkInferenceSettings s) {
        try {
            // Each task runs its own forward passes: give each spark.task.cpus threads, so that the tasks of an
            // executor together use its cores and no more.
            NativeTorch.setComputeThreads(s.threadsPerTask());
            Path weights = s.weights() == null ? BundledModel.path() : localCopy(s.weights());
            SwinPredictor.Builder b = SwinPredictor.builder(weights); // the pixel limit is the transform's pipeline's
            if (s.preset() != null) b.optPreset(EvalPreset.named(s.preset()));
            if (s.precision() != null) b.optPrecision(io.swin4j.model.Precision.parse(s.precision()));
            if (s.engine() != null) b.optEngine(s.engine()).optThreads(s.threadsPerTask());
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the model " + (s.weights() == null ? "(bundled)" : s.weights())
                    + " on this executor: " + e.getMessage(), e);
        }
    }

    /** A local file for the weights: a local path as it is, any other URI copied through Hadoop's FileSystem. */
    static Path localCopy(String uri) throws IOException {
        URI u = URI.create(uri.replace(" ", "%20"));
        if (u.getScheme() == null || u.getScheme().length() == 1) return Path.of(uri); // a path (or C:)
        if (u.getScheme().equals("file")) return Path.of(u);
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        String name = remote.getName();
        Path local = Files.createTempDirectory("swin4j-weights").resolve(name);
        local.toFile().deleteOnExit();
        local.getParent().toFile().deleteOnExit();
        // newInstance, not get: closing a cached FileSystem would close it for every other user in the executor.
        try (FileSystem fs = FileSystem.newInstance(remote.toUri(), hadoopConf()); InputStream in = fs.open(remote)) {
            Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
        }
        return local;
    }
}
