package io.swin4j.spark;

import io.swin4j.engine.NativeTorch;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.model.SegmentationMode;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One segmentation model per executor JVM and settings, as {@link ExecutorModels} keeps classifiers: loaded by the
 * first task that needs it (weights copied through Hadoop's FileSystem when remote), shared by the executor's tasks
 * ({@link SegmentationPredictor} is thread-safe), closed when the JVM exits.
 */
final class ExecutorSegmenters {

    /**
     * What an executor needs to build the segmentation model (small, serializable; the cache key).
     *
     * @param weights        URI or path of the checkpoint every executor can read (required: none is bundled)
     * @param mode           null: the checkpoint's test mode; "whole"; or "slide,cropH,cropW,strideH,strideW"
     * @param flip           add flip augmentation to the mode
     * @param threadsPerTask compute threads per task ({@code spark.task.cpus})
     */
    record Settings(String weights, String mode, boolean flip, int threadsPerTask) implements Serializable {

        /** The mode these settings give a checkpoint whose own test mode is {@code saved}. */
        SegmentationMode apply(SegmentationMode saved) {
            SegmentationMode m = saved;
            if ("whole".equals(mode)) m = SegmentationMode.whole();
            else if (mode != null) {
                String[] p = mode.split(",");
                if (p.length != 5 || !p[0].equals("slide")) {
                    throw new IllegalArgumentException("segmentation mode must be whole or slide,cropH,cropW,strideH,strideW; got " + mode);
                }
                m = SegmentationMode.slide(Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]),
                        Integer.parseInt(p[4]));
            }
            return flip ? m.optFlip(true) : m;
        }
    }

    private static final Map<Settings, SegmentationPredictor> MODELS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MODELS.values().forEach(SegmentationPredictor::close),
                "swin4j-executor-segmenters"));
    }

    private ExecutorSegmenters() {}

    static SegmentationPredictor get(Settings settings) {
        return MODELS.computeIfAbsent(settings, ExecutorSegmenters::load);
    }

    private static SegmentationPredictor load(Settings s) {
        try {
            NativeTorch.setComputeThreads(s.threadsPerTask());
            io.swin4j.weights.SwinWeights w = io.swin4j.weights.SwinWeights.load(ExecutorModels.localCopy(s.weights()));
            if (w.task() != io.swin4j.weights.ModelCard.Task.SEGMENTATION) {
                throw new IllegalArgumentException(s.weights() + " is a classification checkpoint, not a segmentation "
                        + "(UPerNet) one: use --task classify");
            }
            // the pixel limit is the transform's pipeline's
            return SegmentationPredictor.builder(w).optMode(s.apply(w.card().segmentationMode())).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the segmentation model " + s.weights() + " on this executor: "
                    + e.getMessage(), e);
        }
    }
}
