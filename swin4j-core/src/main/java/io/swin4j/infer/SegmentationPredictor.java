package io.swin4j.infer;

import io.swin4j.engine.NativeTorch;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.pipeline.ImageSource;
import io.swin4j.pipeline.Pipeline;
import io.swin4j.pipeline.Result;
import io.swin4j.pipeline.Task;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.Palette;
import io.swin4j.vision.RgbImage;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Semantic segmentation of images with a UPerNet-Swin checkpoint: the segmentation counterpart of
 * {@link SwinPredictor}. It owns the {@link SwinSegmenter} and runs the {@link SegmentTask} on the {@link Pipeline}
 * (decode → {@link SegmentationPreset} → logits (whole or sliding window, optional flip) → resized to the image →
 * argmax). Thread-safe; close it to free the model's native memory.
 *
 * <pre>{@code
 * try (SegmentationPredictor p = SegmentationPredictor.builder(Path.of("upernet_swin_t.pth")).build()) {
 *     Segmentation s = p.segment(Path.of("street.jpg"));
 *     Files.write(Path.of("street_label.png"), s.labelPng());
 * }
 * }</pre>
 */
public final class SegmentationPredictor implements AutoCloseable {

    /** mmseg's ADE20K / Cityscapes test scale, for checkpoints of mmseg, the official seg repo or HF. */
    public static final int MMSEG_LONG_EDGE = 2048, MMSEG_SHORT_EDGE = 512;
    /** A label PNG holds class indices 0..255. */
    public static final int MAX_CLASSES = 256;

    private final SwinWeights weights;
    private final SwinSegmenter model;
    private final SegmentationPreset preset;
    private final SegmentationMode mode;
    private final List<String> classNames;
    private final Palette palette;
    private final ImageDecoder decoder;
    private final int batchSize;

    private SegmentationPredictor(Builder b, SwinWeights weights) {
        this.weights = weights;
        if (weights.task() != ModelCard.Task.SEGMENTATION) {
            throw new IllegalArgumentException(weights.file() + ": a classification checkpoint, not a segmentation "
                    + "(UPerNet) one; use predict");
        }
        SegmentationConfig c = weights.segmentationConfig();
        if (c.numClasses() > MAX_CLASSES) {
            throw new IllegalArgumentException(weights.file() + ": " + c.numClasses() + " classes; label maps hold at most "
                    + MAX_CLASSES);
        }
        this.preset = b.preset != null ? b.preset : defaultPreset(weights);
        this.mode = b.mode != null ? b.mode : weights.card().segmentationMode();
        this.classNames = savedClassNames(weights);
        this.palette = Palette.of(Arrays.asList(weights.card().palette()));
        this.decoder = b.decoder != null ? b.decoder : new ImageDecoder();
        this.batchSize = b.batchSize;
        this.model = weights.createSegmenter();
    }

    /** A predictor of the segmentation checkpoint {@code weights} (any layout {@link SwinWeights} reads). */
    public static Builder builder(Path weights) {
        return new Builder(Objects.requireNonNull(weights), null);
    }

    /** A predictor of weights already loaded (e.g. to read the checkpoint's test mode first). */
    public static Builder builder(SwinWeights weights) {
        return new Builder(null, Objects.requireNonNull(weights));
    }

    /** Options of a segmentation predictor; {@code opt*} methods set what differs from the defaults. */
    public static final class Builder {
        private final Path weightsFile;
        private final SwinWeights loaded;
        private SegmentationPreset preset;
        private SegmentationMode mode;
        private ImageDecoder decoder;
        private int batchSize = 4;
        private LoadOptions loadOptions = LoadOptions.defaults();
        private int threads;

        private Builder(Path weightsFile, SwinWeights loaded) {
            this.weightsFile = weightsFile;
            this.loaded = loaded;
        }

        /** The input transform; default {@link #defaultPreset}. */
        public Builder optPreset(SegmentationPreset p) { preset = Objects.requireNonNull(p); return this; }

        /** Whole image or sliding window, flip or not; default: the checkpoint's test mode (its card's). */
        public Builder optMode(SegmentationMode m) { mode = Objects.requireNonNull(m); return this; }

        /** Decoder settings (the pixel and resize limits). */
        public Builder optDecoder(ImageDecoder d) { decoder = Objects.requireNonNull(d); return this; }

        /** Images per forward pass (default 4); only images of one size share a pass. */
        public Builder optBatchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + n);
            batchSize = n;
            return this;
        }

        /** How the weights file is read (not used by a builder of loaded weights). */
        public Builder optLoadOptions(LoadOptions o) { loadOptions = Objects.requireNonNull(o); return this; }

        /** libtorch's intra-op threads (process-wide, as {@link SwinPredictor.Builder#optThreads}). */
        public Builder optThreads(int n) {
            if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
            threads = n;
            return this;
        }

        /**
         * @throws IllegalArgumentException for a classification checkpoint, or one of more than 256 classes
         */
        public SegmentationPredictor build() throws IOException {
            if (threads > 0) NativeTorch.setIntraOpThreads(threads);
            return new SegmentationPredictor(this, loaded != null ? loaded : SwinWeights.load(weightsFile, loadOptions));
        }
    }

    /**
     * The input transform of a checkpoint: the one its card saves ({@link io.swin4j.weights.SegmentationCard#preset()},
     * a model trained by swin4j); otherwise one from mmseg, the official seg repo or HF (its card's source, kept when
     * {@code swin convert} rewrites it) gets mmseg's test scale, 2048×512; a model of swin4j's own (any other source,
     * e.g. trained here) was trained at its data's size ({@link SegmentationPreset#nativeSize()}).
     */
    public static SegmentationPreset defaultPreset(SwinWeights weights) {
        SegmentationPreset saved = weights.card().segmentation() == null ? null : weights.card().segmentation().preset();
        if (saved != null) return saved;
        return weights.card().source().isSegmentation()
                ? SegmentationPreset.mmseg(MMSEG_LONG_EDGE, MMSEG_SHORT_EDGE) : SegmentationPreset.nativeSize();
    }

    /** The class names of a segmentation checkpoint: its card's, else "class_0".... */
    public static List<String> savedClassNames(SwinWeights weights) {
        List<String> names = weights.card().classNames();
        return names != null ? names : Labels.numbered(weights.segmentationConfig().numClasses()).names();
    }

    public SwinWeights weights() { return weights; }

    public SegmentationConfig config() { return weights.segmentationConfig(); }

    public SegmentationPreset preset() { return preset; }

    public SegmentationMode mode() { return mode; }

    public List<String> classNames() { return classNames; }

    public Palette palette() { return palette; }

    public ImageDecoder decoder() { return decoder; }

    /**
     * The segment task with this predictor's model, preset, mode, names and palette (no image kept, no PNG in JSON);
     * at most the batch size of images a forward pass, however many a caller gathers.
     */
    public SegmentTask segmentTask() {
        return new SegmentTask(model, preset, mode, classNames, palette, false, false, batchSize,
                RescaledArgmax.DEFAULT_BUDGET);
    }

    /** A pipeline of {@code task} with this predictor's decoder (its limits) and batch size. */
    public <O> Pipeline<O> pipeline(Task<?, ?, O> task) {
        return Pipeline.of(task, decoder, batchSize);
    }

    /** One image file's segmentation. */
    public Segmentation segment(Path image) throws IOException {
        return pipeline(segmentTask()).runOne(ImageSource.file(image));
    }

    /** One decoded image's segmentation. */
    public Segmentation segment(RgbImage image) {
        try {
            return pipeline(segmentTask()).runOne(ImageSource.image(image, "image"));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a decoded image is not read again
        }
    }

    /** Every file, in input order; a file that fails is reported as "file: reason" and the others go on. */
    public List<Result<Segmentation>> segmentAll(List<Path> images, Consumer<? super Result<Segmentation>> each) {
        List<ImageSource> sources = new ArrayList<>(images.size());
        for (Path p : images) sources.add(ImageSource.file(p));
        return pipeline(segmentTask()).run(sources, each);
    }

    @Override
    public void close() {
        model.close();
    }
}
