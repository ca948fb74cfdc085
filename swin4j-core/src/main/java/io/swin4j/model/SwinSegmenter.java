package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Semantic segmentation: UPerNet with an FCN auxiliary head on a Swin backbone, exactly mmseg's
 * {@code EncoderDecoder(SwinTransformer, UPerHead, FCNHead)} as the official Swin-Transformer-Semantic-Segmentation
 * repository defines it. Parameter names are that repository's {@code state_dict()} keys ({@code backbone.*} with
 * the official Swin names and {@code norm0..3}, {@code decode_head.*}, {@code auxiliary_head.*}), BatchNorm running
 * statistics included (tagged {@link Param.Tag#BUFFER}), {@code num_batches_tracked} not.
 *
 * <p>Eval mode (the default) runs without autograd and is thread-safe; training mode records autograd, applies
 * dropout and stochastic depth and updates the BatchNorm running statistics. Close it to free native memory.
 */
public final class SwinSegmenter extends Module implements AutoCloseable {

    /** mmseg's {@code ignore_index}: labels of this value add nothing to the loss. */
    public static final long IGNORE_INDEX = 255;

    private final SegmentationConfig config;
    private final SwinTransformer backbone;
    private final UperHead decodeHead;
    private final FcnHead auxiliaryHead;
    private Parameters params;
    private volatile boolean training;

    private SwinSegmenter(SegmentationConfig config) {
        this.config = config;
        backbone = child("backbone", SwinTransformer.declareBackbone(config.backbone()));
        decodeHead = child("decode_head", new UperHead(config.inChannels(), config.channels(), config.poolScales(),
                config.numClasses(), config.dropout(), config.alignCorners()));
        auxiliaryHead = config.hasAuxiliary() ? child("auxiliary_head",
                new FcnHead(config.backbone().stageDim(config.auxInIndex()), config.auxChannels(), config.numClasses(),
                        config.dropout())) : null;
    }

    private SwinSegmenter bound(BiFunction<String, Param, Tensor> source) {
        bindAll(source);
        params = new Parameters(this);
        return this;
    }

    /** The canonical names and shapes {@code config} needs, BatchNorm running statistics included (nothing allocated). */
    public static Map<String, long[]> parameterShapes(SegmentationConfig config) {
        Map<String, long[]> out = new LinkedHashMap<>();
        new SwinSegmenter(config).namedParams().forEach((k, p) -> out.put(k, p.shape()));
        return out;
    }

    /**
     * A model initialised as mmseg's {@code init_weights}, seeded: the backbone as the official Swin (linear layers
     * trunc-normal 0.02, LayerNorm 1/0), every ConvModule kaiming-normal (fan_out, ReLU) with BatchNorm 1/0 and
     * running statistics 0/1, each {@code conv_seg} normal 0.01 with bias 0.
     */
    public static SwinSegmenter create(SegmentationConfig config, long seed) {
        NativeTorch.ensureLoaded();
        torch.manual_seed(seed);
        return new SwinSegmenter(config).bound((name, p) -> SwinTransformer.initialised(p));
    }

    /**
     * A model whose parameters come from {@code canonical} (canonical names); with {@code initMissing} a parameter
     * absent from the map is freshly initialised (seeded), e.g. heads on a pretrained backbone; otherwise a missing
     * one is an error naming it.
     */
    public static SwinSegmenter fromWeights(SegmentationConfig config, Map<String, HostTensor> canonical,
                                            boolean initMissing, long seed) {
        NativeTorch.ensureLoaded();
        torch.manual_seed(seed);
        return new SwinSegmenter(config).bound((name, p) -> {
            HostTensor h = canonical.get(name);
            if (h == null) {
                if (initMissing) return SwinTransformer.initialised(p);
                throw new IllegalArgumentException("weights have no parameter " + name + " " + Arrays.toString(p.shape()));
            }
            return Tensors.fromHost(h);
        });
    }

    public SegmentationConfig config() { return config; }

    /** Every bound tensor under its canonical name, BatchNorm buffers included ({@link Parameters#trainable()}: without). */
    public Parameters parameters() { return params; }

    public boolean isTraining() { return training; }

    /** Training mode: dropout, stochastic depth, batch statistics (running statistics updated), autograd. */
    public SwinSegmenter train(boolean on) {
        training = on;
        backbone.train(on);
        return this;
    }

    /**
     * mmseg's {@code encode_decode}: the decode head's logits resized bilinearly to the input, (B, K, H, W) float32.
     * Any H, W (the backbone pads to patch and window multiples). Runs in the model's mode (eval: no autograd).
     *
     * @param images (B, inChans, H, W) float32, normalised as the model was trained
     */
    public Tensor forward(Tensor images) {
        checkImages(images);
        boolean train = training;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = train ? null : new NoGradGuard()) {
            return Tensors.keep(encodeDecode(images, train));
        }
    }

    /**
     * Class probabilities as mmseg's {@code inference} / {@code aug_test} compute them: the softmax over classes of
     * the whole-image logits ({@link #forward}) or of the sliding-window logits ({@code slide_inference}: crops'
     * logits summed where they overlap and divided by the count), and with {@code mode.flip()} the mean of that and
     * the mirrored-back probabilities of the mirrored image (mmseg averages probabilities, not logits). (B, K, H, W);
     * argmax over K is the prediction. Always without autograd, in the model's mode.
     */
    public Tensor predict(Tensor images, SegmentationMode mode) {
        checkImages(images);
        boolean train = training;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor probs = torch.softmax(inference(images, mode, train), 1);
            if (mode.flip()) {
                Tensor mirrored = torch.softmax(inference(torch.flip(images, 3), mode, train), 1);
                probs = probs.add(torch.flip(mirrored, 3)).div(new Scalar(2.0));
            }
            return Tensors.keep(probs);
        }
    }

    /**
     * The predicted class of every pixel: argmax over classes of {@link #predict} (mmseg's {@code simple_test} /
     * {@code aug_test} result), as B·H·W row-major class indices in Java memory.
     */
    public int[] predictClasses(Tensor images, SegmentationMode mode) {
        try (PointerScope scope = new PointerScope()) {
            Tensor probs = predict(images, mode);
            scope.attach(probs);
            Tensor classes = probs.argmax(new org.bytedeco.pytorch.LongOptional(1), false).contiguous();
            long[] wide = new long[(int) classes.numel()];
            if (wide.length > 0) classes.data_ptr_long().get(wide);
            int[] out = new int[wide.length];
            for (int i = 0; i < out.length; i++) out[i] = (int) wide[i];
            return out;
        }
    }

    private Tensor inference(Tensor images, SegmentationMode mode, boolean train) {
        return mode.kind() == SegmentationMode.Kind.WHOLE ? encodeDecode(images, train) : slide(images, mode, train);
    }

    /** mmseg's {@code slide_inference}: crop grid, last crop flush with the border, logits averaged over overlaps. */
    private Tensor slide(Tensor images, SegmentationMode mode, boolean train) {
        long b = images.size(0), hImg = images.size(2), wImg = images.size(3);
        int hCrop = mode.cropHeight(), wCrop = mode.cropWidth(), hStride = mode.strideHeight(), wStride = mode.strideWidth();
        long hGrids = Math.max(hImg - hCrop + hStride - 1, 0) / hStride + 1;
        long wGrids = Math.max(wImg - wCrop + wStride - 1, 0) / wStride + 1;
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        Tensor preds = torch.zeros(new long[] {b, config.numClasses(), hImg, wImg}, f32);
        Tensor count = torch.zeros(new long[] {1, 1, hImg, wImg}, f32);
        for (long hi = 0; hi < hGrids; hi++) {
            for (long wi = 0; wi < wGrids; wi++) {
                long y2 = Math.min(hi * hStride + hCrop, hImg), x2 = Math.min(wi * wStride + wCrop, wImg);
                long y1 = Math.max(y2 - hCrop, 0), x1 = Math.max(x2 - wCrop, 0);
                try (PointerScope crop = new PointerScope()) {
                    Tensor img = images.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1);
                    Tensor logits = encodeDecode(img, train);
                    preds.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1).add_(logits);
                    count.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1).add_(new Scalar(1.0));
                }
            }
        }
        return preds.div(count);
    }

    /**
     * Both heads' raw logits in the model's mode (training: autograd, dropout, batch statistics). The caller closes
     * them.
     */
    public SegmentationLogits forwardTrain(Tensor images) {
        checkImages(images);
        boolean train = training;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = train ? null : new NoGradGuard()) {
            Tensor[] out = heads(images, train);
            return new SegmentationLogits(Tensors.keep(out[0]), out[1] == null ? null : Tensors.keep(out[1]));
        }
    }

    /**
     * mmseg's training losses ({@code forward_train}): each head's logits resized bilinearly to the labels' size,
     * pixel-wise cross-entropy with {@link #IGNORE_INDEX} ignored, averaged over all pixels as mmseg's
     * {@code CrossEntropyLoss} does ({@code reduction='none'} then mean: ignored pixels count 0 in the numerator and 1
     * in the denominator); the auxiliary term times {@link SegmentationConfig#auxLossWeight()}. In training mode the
     * result records autograd ({@code total().backward()}); the forward pass updates the BatchNorm running statistics.
     *
     * @param labels (B, H, W) class indices (int64; int32 is widened), 255 ignored
     */
    public SegmentationLoss loss(Tensor images, Tensor labels) {
        checkImages(images);
        if (labels.dim() != 3 || labels.size(0) != images.size(0)) {
            throw new IllegalArgumentException("labels must be (B, H, W) with B = " + images.size(0) + "; got "
                    + Arrays.toString(Tensors.shape(labels)));
        }
        boolean train = training;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = train ? null : new NoGradGuard()) {
            Tensor target = labels.scalar_type().intern() == torch.ScalarType.Long ? labels : labels.to(torch.ScalarType.Long);
            Tensor[] out = heads(images, train);
            Tensor decode = crossEntropy(out[0], target);
            Tensor aux = out[1] == null ? null
                    : crossEntropy(out[1], target).mul(new Scalar(config.auxLossWeight()));
            Tensor total = aux == null ? decode.mul(new Scalar(1.0)) : decode.add(aux);
            return new SegmentationLoss(Tensors.keep(decode), aux == null ? null : Tensors.keep(aux), Tensors.keep(total));
        }
    }

    private Tensor crossEntropy(Tensor logits, Tensor target) {
        Tensor resized = Ops.resize(logits, target.size(1), target.size(2), config.alignCorners());
        // reduction 'none' (0), then the plain mean over every pixel, as mmseg's weight_reduce_loss.
        return torch.cross_entropy_loss(resized, target, new TensorOptional(), 0, IGNORE_INDEX, 0.0).mean();
    }

    /** {decode logits, auxiliary logits or null}. */
    private Tensor[] heads(Tensor images, boolean train) {
        List<Tensor> features = backbone.stageOutputs(images);
        try {
            Tensor decode = decodeHead.forward(features, train);
            Tensor aux = auxiliaryHead == null ? null : auxiliaryHead.forward(features.get(config.auxInIndex()), train);
            return new Tensor[] {decode, aux};
        } finally {
            features.forEach(Tensor::close);
        }
    }

    private Tensor encodeDecode(Tensor images, boolean train) {
        List<Tensor> features = backbone.stageOutputs(images);
        try {
            return Ops.resize(decodeHead.forward(features, train), images.size(2), images.size(3), config.alignCorners());
        } finally {
            features.forEach(Tensor::close);
        }
    }

    /**
     * The backbone's normed stage outputs (B, C·2^i, H_i, W_i), what the heads read; in the model's mode. The caller
     * closes them.
     */
    public List<Tensor> backboneFeatures(Tensor images) {
        checkImages(images);
        try (NoGradGuard noGrad = training ? null : new NoGradGuard()) {
            return backbone.stageOutputs(images);
        }
    }

    private void checkImages(Tensor images) {
        if (images.dim() != 4 || images.size(1) != config.backbone().inChans()) {
            throw new IllegalArgumentException("input must be (B, " + config.backbone().inChans() + ", H, W); got "
                    + Arrays.toString(Tensors.shape(images)));
        }
    }

    /**
     * The names the official segmentation recipe excludes from weight decay ({@code paramwise_cfg.custom_keys}
     * {@code absolute_pos_embed}, {@code relative_position_bias_table}, {@code norm}, matched as substrings of the
     * name as mmcv does): the position tables and every LayerNorm of the backbone. mmseg's heads name their
     * BatchNorms {@code bn}, so the recipe decays them. Buffers are never trained at all.
     */
    public Set<String> noWeightDecay() {
        Set<String> out = new LinkedHashSet<>();
        namedParams().forEach((k, p) -> {
            if (p.trainable() && (k.contains("absolute_pos_embed") || k.contains("relative_position_bias_table")
                    || k.contains("norm"))) {
                out.add(k);
            }
        });
        return out;
    }

    /**
     * Layer-wise groups: the backbone's as {@link SwinTransformer#parameterGroups()} (0 the stem, i+1 stage i,
     * numStages+1 the output norms {@code norm<i>}), then numStages+2 for both heads.
     */
    public Map<String, Integer> parameterGroups() {
        Map<String, Integer> out = new LinkedHashMap<>();
        backbone.parameterGroups().forEach((k, g) -> out.put("backbone." + k, g));
        int heads = config.backbone().numStages() + 2;
        namedParams().keySet().forEach(k -> out.putIfAbsent(k, heads));
        return out;
    }

    @Override
    public void close() {
        releaseAll();
    }
}
