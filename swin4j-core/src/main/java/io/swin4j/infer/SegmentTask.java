package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.pipeline.Task;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.LabelMap;
import io.swin4j.vision.Palette;
import io.swin4j.vision.RgbImage;
import io.swin4j.vision.SegmentationPreset;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Semantic segmentation on the pipeline, as mmseg's {@code inference(img, meta, rescale=True)}: the preset's resize
 * and normalisation ({@link SegmentationPreset}); the model's logits over the whole image or sliding crops
 * ({@link SwinSegmenter#logits}); those logits resized bilinearly to the ORIGINAL image (the model's
 * {@code align_corners}); with flip, the mean of the softmax of that and of the mirrored image's mirrored back; the
 * argmax per pixel is the {@link LabelMap} ({@link RescaledArgmax}: a group of classes at a time for large images).
 *
 * <p>Images of different sizes do not stack: inputs of one resized and original size form a batch
 * ({@link #batchKey}), others run apart. JSON (merged into the result object, {@link #inlineJson()}):
 * {@code {"width", "height", "classes": [{"index", "label", "fraction", "color": "#rrggbb"}], "label_png": base64}},
 * the classes present by fraction, largest first; {@code label_png} only when asked ({@link #withLabelPng}).
 */
public final class SegmentTask implements Task<SegmentTask.Input, List<byte[]>, Segmentation> {

    /** One preprocessed image: the model's input and the size of the image it came from (and the image, if kept). */
    public record Input(SegmentationPreset.Input model, int width, int height, RgbImage image) {}

    private final SwinSegmenter model;
    private final SegmentationPreset preset;
    private final SegmentationMode mode;
    private final List<String> classNames;
    private final Palette palette;
    private final boolean keepImages;
    private final boolean labelPng;
    private final int maxBatch;
    private final RescaledArgmax rescale;
    private final long budget;

    SegmentTask(SwinSegmenter model, SegmentationPreset preset, SegmentationMode mode, List<String> classNames,
                Palette palette, boolean keepImages, boolean labelPng, int maxBatch, long rescaleBudget) {
        this.model = Objects.requireNonNull(model);
        this.preset = Objects.requireNonNull(preset);
        this.mode = Objects.requireNonNull(mode);
        this.classNames = List.copyOf(classNames);
        this.palette = Objects.requireNonNull(palette);
        this.keepImages = keepImages;
        this.labelPng = labelPng;
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        this.maxBatch = maxBatch;
        this.rescale = new RescaledArgmax(rescaleBudget, model.config().alignCorners());
        this.budget = rescaleBudget;
        if (this.classNames.size() != model.config().numClasses()) {
            throw new IllegalArgumentException(this.classNames.size() + " class names for a model of "
                    + model.config().numClasses() + " classes");
        }
    }

    /**
     * A segment task over a model of one's own, without a {@link SegmentationPredictor} (evaluation, training's
     * validation): one image a forward pass, no image kept, no PNG in its JSON.
     *
     * @param classNames one per class of the model
     * @param palette    the colours of the classes (overlays, JSON)
     */
    public static SegmentTask of(SwinSegmenter model, SegmentationPreset preset, SegmentationMode mode,
                                 List<String> classNames, Palette palette) {
        if (model.config().numClasses() > SegmentationPredictor.MAX_CLASSES) {
            throw new IllegalArgumentException(model.config().numClasses() + " classes; label maps hold at most "
                    + SegmentationPredictor.MAX_CLASSES);
        }
        return new SegmentTask(model, preset, mode, classNames, palette, false, false, 1, RescaledArgmax.DEFAULT_BUDGET);
    }

    /** The same task keeping each decoded image in its answer ({@link Segmentation#image()}, for overlays). */
    public SegmentTask withImages(boolean on) {
        return new SegmentTask(model, preset, mode, classNames, palette, on, labelPng, maxBatch, budget);
    }

    /** The same task with or without the base64 label PNG in its JSON (a server's answer has it; JSON Lines not). */
    public SegmentTask withLabelPng(boolean on) {
        return new SegmentTask(model, preset, mode, classNames, palette, keepImages, on, maxBatch, budget);
    }

    /** The same task with another inference mode. */
    public SegmentTask withMode(SegmentationMode m) {
        return new SegmentTask(model, preset, m, classNames, palette, keepImages, labelPng, maxBatch, budget);
    }

    /**
     * The same task resizing at most {@code floats} of logits at once (default {@link RescaledArgmax#DEFAULT_BUDGET}:
     * 128 MB); tests lower it to run the class-group path on small images.
     */
    SegmentTask withRescaleBudget(long floats) {
        return new SegmentTask(model, preset, mode, classNames, palette, keepImages, labelPng, maxBatch, floats);
    }

    public SegmentationMode mode() { return mode; }

    public SegmentationPreset preset() { return preset; }

    @Override
    public String name() {
        return "segment";
    }

    @Override
    public Input preprocess(RgbImage image, ImageLimits limits) {
        return new Input(preset.apply(image, limits), image.width(), image.height(), keepImages ? image : null);
    }

    /** Inputs of one model-input size and one original size stack into a batch. */
    @Override
    public Object batchKey(Input in) {
        return List.of(in.model().width(), in.model().height(), in.width(), in.height());
    }

    /** The predictor's batch size: segmentation inputs are large, a gathered batch (a server's) runs in passes of this. */
    @Override
    public int maxBatch() {
        return maxBatch;
    }

    /** Each input's label map (class index per pixel at the original size), row-major bytes. */
    @Override
    public List<byte[]> forward(List<Input> inputs) {
        Input first = inputs.get(0);
        List<float[]> chw = new ArrayList<>(inputs.size());
        for (Input in : inputs) chw.add(in.model().chw());
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.batch(chw, 3, first.model().height(), first.model().width());
            Tensor argmax;
            try (Tensor logits = model.logits(x, mode)) {
                if (!mode.flip()) {
                    argmax = rescale.argmax(logits, first.height(), first.width());
                } else {
                    try (Tensor mirrored = model.logits(torch.flip(x, 3), mode)) {
                        argmax = rescale.argmaxFlipped(logits, mirrored, first.height(), first.width());
                    }
                }
            }
            // class indices < 256 (SegmentationPredictor.MAX_CLASSES) as unsigned bytes, one image after the other
            Tensor classes = argmax.to(torch.ScalarType.Byte).contiguous();
            int per = first.width() * first.height();
            List<byte[]> out = new ArrayList<>(inputs.size());
            try (BytePointer data = classes.data_ptr_byte()) {
                for (int i = 0; i < inputs.size(); i++) {
                    byte[] map = new byte[per];
                    data.position((long) i * per).get(map);
                    out.add(map);
                }
            }
            return out;
        }
    }

    @Override
    public Segmentation postprocess(List<byte[]> batch, int index, Input input) {
        return new Segmentation(new LabelMap(input.width(), input.height(), batch.get(index)), classNames, palette,
                input.image());
    }

    @Override
    public JsonNode toJson(Segmentation s) {
        ObjectNode o = ResultJson.MAPPER.createObjectNode();
        o.put("width", s.width()).put("height", s.height());
        ArrayNode classes = o.putArray("classes");
        for (Segmentation.ClassShare c : s.classes()) {
            classes.addObject().put("index", c.index()).put("label", c.label()).put("fraction", c.fraction())
                    .put("color", c.color());
        }
        if (labelPng) o.put("label_png", Base64.getEncoder().encodeToString(s.labelPng()));
        return o;
    }

    @Override
    public boolean inlineJson() {
        return true;
    }
}
