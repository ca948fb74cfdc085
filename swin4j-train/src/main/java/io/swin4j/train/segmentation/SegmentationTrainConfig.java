package io.swin4j.train.segmentation;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every setting of a segmentation training run ({@code swin train --task segmentation}). Defaults are the official
 * Swin-T UPerNet ADE20K recipe ({@code upernet_swin_tiny_patch4_window7_512x512_160k_ade20k.py} with its
 * {@code ade20k.py} pipeline and {@code schedule_160k.py}): AdamW lr 6e-5, betas (0.9, 0.999), weight decay 0.01 (none
 * on position tables and norms), poly schedule (power 1, min 0) after 1500 linear warm-up iterations from ratio 1e-6,
 * 160k iterations of 16 images, Resize (2048, 512) × 0.5–2.0, RandomCrop 512×512 with cat_max_ratio 0.75, flip 0.5,
 * PhotoMetricDistortion, ImageNet mean/std (of 0–255 pixels), evaluation every 16k iterations in whole mode at the
 * resize scale. Read from and written to JSON or YAML; unknown keys are an error; the written file names every
 * setting. {@code task} is always "segmentation": it tells {@code swin train --resume} which trainer a run needs.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public final class SegmentationTrainConfig {

    public static final String TASK = "segmentation";

    /** The run's task; always "segmentation". */
    public String task = TASK;

    // Model
    /** Backbone preset (e.g. swin_tiny_patch4_window7_224); ignored when {@link #model} is given. */
    public String arch = "swin_tiny_patch4_window7_224";
    /** An explicit backbone (its numClasses is ignored). */
    public SwinConfig model;
    /**
     * Checkpoint to start from: a segmentation checkpoint (heads dropped when the class count differs), or a
     * classifier whose backbone initialises this one (heads new).
     */
    public String init;
    /** Class count when the dataset has no classes.txt / classes.json (names then class0, class1, ...). */
    public Integer numClasses;
    /** UPerHead width (mmseg 512), auxiliary FCN width (256; 0: no auxiliary head) and stage (2). */
    public int channels = 512, auxChannels = 256, auxInIndex = 2;
    public double auxLossWeight = 0.4, dropout = 0.1;
    /** Stochastic depth of the backbone's last block (Swin-T seg 0.3). */
    public double dropPath = 0.3;

    // Data
    /** "folder": root/images/SPLIT/*, root/masks/SPLIT/*.png (mmseg layout), splits train and val. */
    public String dataset = "folder";
    public String data;
    public int trainLimit = 0, valLimit = 0;
    public int workers = 2;
    /** mmseg Resize img_scale (w, h): the long and short side limits the ratio multiplies. */
    public int[] imgScale = {2048, 512};
    /** Resize ratio range; null for the fixed scale. */
    public double[] ratioRange = {0.5, 2.0};
    /** RandomCrop size (h, w); the padded training input. */
    public int[] crop = {512, 512};
    public double catMaxRatio = 0.75, flip = 0.5;
    public boolean photometric = true;
    /** Normalisation of 0–255 RGB (mmseg img_norm_cfg). */
    public float[] mean = {123.675f, 116.28f, 103.53f}, std = {58.395f, 57.12f, 57.375f};
    /** Test-time resize scale (w, h), keep ratio; null: {@link #imgScale} (mmseg's test pipeline). */
    public int[] testScale;

    // Optimisation
    public int iterations = 160_000, batchSize = 16, warmupIters = 1500;
    public double lr = 6e-5, warmupRatio = 1e-6, power = 1.0, minLr = 0.0, weightDecay = 0.01;
    /** Gradient-norm clipping (0: none, as the recipe). */
    public double clipGrad = 0;

    // Run
    public long seed = 0;
    /** libtorch intra-op threads (0: libtorch's default). */
    public int threads = 0;
    /** Evaluate every N iterations (and after the last); checkpoint every M (and at every evaluation and the end). */
    public int evalInterval = 16_000, checkpointInterval = 16_000;
    /** Log the mean training loss every N iterations (mmseg's log interval 50). */
    public int logInterval = 50;
    /** Evaluation mode: "whole" or "slide" (with evalCrop and evalStride). */
    public String evalMode = "whole";
    public Integer evalCrop, evalStride;

    /** The mmseg ADE20K recipe. */
    public static SegmentationTrainConfig ade20k() {
        return new SegmentationTrainConfig();
    }

    /** Problems with the settings, each naming the field; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (!TASK.equals(task)) p.add("task must be '" + TASK + "', got '" + task + "'");
        if (model == null && (arch == null || arch.isBlank())) p.add("arch or model must be given");
        if (model == null && arch != null) {
            try {
                SwinConfig.preset(arch);
            } catch (IllegalArgumentException e) {
                p.add("arch: " + e.getMessage());
            }
        }
        if (!"folder".equals(dataset)) p.add("dataset must be 'folder' (images/<split>, masks/<split>), got '" + dataset + "'");
        if (data == null) p.add("data: the dataset's root directory is needed");
        if (numClasses != null && (numClasses < 1 || numClasses > 255)) p.add("numClasses must be in [1, 255], got " + numClasses);
        positive(p, "channels", channels);
        if (auxChannels < 0) p.add("auxChannels must be >= 0, got " + auxChannels);
        if (!(dropout >= 0 && dropout < 1)) p.add("dropout must be in [0, 1), got " + dropout);
        if (!(dropPath >= 0 && dropPath < 1)) p.add("dropPath must be in [0, 1), got " + dropPath);
        if (auxLossWeight < 0) p.add("auxLossWeight must be >= 0");
        if (trainLimit < 0 || valLimit < 0) p.add("trainLimit and valLimit must be >= 0");
        positive(p, "workers", workers);
        pair(p, "imgScale", imgScale);
        pair(p, "crop", crop);
        if (testScale != null) pair(p, "testScale", testScale);
        if (ratioRange != null && (ratioRange.length != 2 || !(ratioRange[0] > 0 && ratioRange[0] <= ratioRange[1]))) {
            p.add("ratioRange must be [min, max] with 0 < min <= max");
        }
        if (!(catMaxRatio > 0 && catMaxRatio <= 1)) p.add("catMaxRatio must be in (0, 1] (1: off), got " + catMaxRatio);
        if (!(flip >= 0 && flip <= 1)) p.add("flip must be in [0, 1], got " + flip);
        if (mean == null || mean.length != 3 || std == null || std.length != 3) p.add("mean and std need 3 values (of 0-255 pixels)");
        positive(p, "iterations", iterations);
        positive(p, "batchSize", batchSize);
        if (batchSize == 1) p.add("batchSize must be >= 2: BatchNorm of the 1x1 pyramid pooling needs more than one value per channel");
        if (warmupIters < 0) p.add("warmupIters must be >= 0, got " + warmupIters);
        if (warmupIters > 0 && !(warmupRatio > 0 && warmupRatio <= 1)) p.add("warmupRatio must be in (0, 1], got " + warmupRatio);
        if (!(lr > 0)) p.add("lr must be > 0, got " + lr);
        if (minLr < 0 || power < 0) p.add("minLr and power must be >= 0");
        if (weightDecay < 0) p.add("weightDecay must be >= 0");
        if (clipGrad < 0) p.add("clipGrad must be >= 0 (0: none)");
        if (threads < 0) p.add("threads must be >= 0");
        positive(p, "evalInterval", evalInterval);
        positive(p, "checkpointInterval", checkpointInterval);
        positive(p, "logInterval", logInterval);
        try {
            evalSegmentationMode();
        } catch (IllegalArgumentException e) {
            p.add(e.getMessage());
        }
        return p;
    }

    public SegmentationTrainConfig validate() {
        return io.swin4j.train.ConfigFiles.valid(this, problems(), "invalid segmentation training settings");
    }

    private static void positive(List<String> p, String name, int v) {
        io.swin4j.train.ConfigFiles.positive(p, name, v);
    }

    private static void pair(List<String> p, String name, int[] v) {
        if (v == null || v.length != 2 || v[0] < 1 || v[1] < 1) p.add(name + " must be two positive sizes");
    }

    /** The inference mode of the evaluations. */
    public SegmentationMode evalSegmentationMode() {
        return switch (evalMode == null ? "" : evalMode.toLowerCase(Locale.ROOT)) {
            case "whole" -> SegmentationMode.whole();
            case "slide" -> {
                if (evalCrop == null || evalStride == null || evalCrop < 1 || evalStride < 1) {
                    throw new IllegalArgumentException("evalMode slide needs evalCrop and evalStride >= 1");
                }
                yield SegmentationMode.slide(evalCrop, evalStride);
            }
            default -> throw new IllegalArgumentException("evalMode must be whole or slide, got '" + evalMode + "'");
        };
    }

    /** The test-time resize scale: {@link #testScale}, else {@link #imgScale}. */
    public int[] testResizeScale() {
        return (testScale != null ? testScale : imgScale).clone();
    }

    /** The backbone: the preset or explicit config with this run's drop-path rate and mmseg's padded size rule. */
    public SwinConfig backbone() {
        SwinConfig c = model != null ? model : SwinConfig.preset(arch);
        return c.toBuilder().optDropPathRate(dropPath).optSizeRule(SizeRule.PADDED).build();
    }

    /** The model: {@link #backbone()} with UPerNet and the auxiliary head of these settings. */
    public SegmentationConfig segmentationConfig(SwinConfig backbone, int classes) {
        // mmseg's pool scales (1, 2, 3, 6) and align_corners false, as SegmentationConfig.upernet
        return new SegmentationConfig(backbone, classes, channels, new int[] {1, 2, 3, 6}, false, dropout, auxChannels,
                auxInIndex, auxLossWeight);
    }

    /** The training pipeline of these settings. */
    public SegmentationTrainTransform trainTransform() {
        return new SegmentationTrainTransform(new RandomResize(imgScale, ratioRange), new RandomCrop(crop[0], crop[1], catMaxRatio, 255),
                flip, photometric ? PhotoMetricDistortion.mmseg() : null, mean, std);
    }

    /** Reads a JSON or YAML file (by extension); keys not given keep the values of {@code base}. */
    public static SegmentationTrainConfig read(Path file, SegmentationTrainConfig base) throws IOException {
        return io.swin4j.train.ConfigFiles.read(file, base.copy());
    }

    public static SegmentationTrainConfig read(Path file) throws IOException {
        return read(file, ade20k());
    }

    /** Whether a settings file (a run's train-config.json) is a segmentation run's: its {@code task} key says so. */
    public static boolean isSegmentation(Path file) throws IOException {
        JsonNode n = io.swin4j.train.ConfigFiles.tree(file);
        return n != null && TASK.equals(n.path("task").asText());
    }

    public void write(Path file) throws IOException {
        io.swin4j.train.ConfigFiles.write(file, this);
    }

    public SegmentationTrainConfig copy() {
        return io.swin4j.train.ConfigFiles.copy(this, SegmentationTrainConfig.class);
    }
}
