package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.quant.QParams;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Swin model of any family (V1, V2, Swin-MLP) as the official code defines it, on libtorch: a tree of
 * {@link Module}s whose parts the config's family chooses ({@code BlockParts}). Parameters use the official names
 * (the canonical layout); checkpoints of other layouts are converted before they reach this class.
 *
 * <p>Thread-safe for concurrent {@link #forward} calls in eval mode. Close it to free native memory.
 */
public final class SwinTransformer extends Module implements AutoCloseable {

    private final SwinConfig config;
    private final PatchEmbed patchEmbed;
    private final Param absolutePosEmbed;
    private final ModuleList<SwinStage> stages;
    private final LayerNorm norm;
    private final Linear head;
    /** A segmentation/detection backbone's LayerNorm on each stage output ({@code norm0..3}); null otherwise. */
    private final List<LayerNorm> outNorms;
    private Parameters params;
    private volatile boolean training;
    private volatile Precision precision = Precision.FP32;
    private volatile Quantization quantization;

    /** Declares the tree (pure Java, nothing bound): its names, shapes, tags and FLOPs are known from here. */
    private SwinTransformer(SwinConfig config) {
        this(config, false);
    }

    /**
     * @param backbone the dense-prediction backbone of the official detection/segmentation code: a LayerNorm
     *                 {@code norm<i>} on every stage output instead of the final {@code norm} and the head
     */
    private SwinTransformer(SwinConfig config, boolean backbone) {
        this.config = config;
        BlockParts parts = BlockParts.of(config.family());
        patchEmbed = child("patch_embed", new PatchEmbed(config));
        int r = config.imgSize() / config.patchSize();
        absolutePosEmbed = config.ape() ? param("absolute_pos_embed", Init.TRUNC_NORMAL,
                new long[] {1, (long) r * r, config.embedDim()}, Param.Tag.NO_DECAY, Param.Tag.POSITION) : null;
        stages = child("layers", new ModuleList<>());
        int first = 0;
        for (int i = 0; i < config.numStages(); i++) {
            stages.add(new SwinStage(config, parts, i, first));
            first += config.depths()[i];
        }
        if (backbone) {
            if (config.ape()) {
                throw new IllegalArgumentException("a dense-prediction backbone with an absolute position embedding "
                        + "(interpolated bicubically per input in the official code) is not supported; use ape=false");
            }
            norm = null;
            head = null;
            List<LayerNorm> norms = new ArrayList<>();
            for (int i = 0; i < config.numStages(); i++) norms.add(child("norm" + i, new LayerNorm(config.stageDim(i))));
            outNorms = List.copyOf(norms);
        } else {
            norm = child("norm", new LayerNorm(config.numFeatures()));
            head = config.numClasses() > 0
                    ? child("head", new Linear(config.numFeatures(), config.numClasses(), true, Param.Tag.HEAD)) : null;
            outNorms = null;
        }
    }

    /**
     * The declared backbone of the official detection/segmentation code (Swin-Transformer-Semantic-Segmentation's
     * {@code SwinTransformer} with {@code out_indices} 0..n−1): the blocks and merges as here, a LayerNorm
     * {@code norm<i>} per stage output, no final norm and no head ({@code config.numClasses()} is ignored).
     * It is bound as part of an enclosing tree (see {@link SwinSegmenter}); {@link #stageOutputs} runs it.
     */
    static SwinTransformer declareBackbone(SwinConfig config) {
        return new SwinTransformer(config, true);
    }

    /**
     * A backbone's outputs ({@link #declareBackbone}): each stage's output before its merge, through that stage's
     * {@code norm<i>}, as NCHW (B, C·2^i, H_i, W_i). In training mode (see {@link #train}) with autograd; the caller
     * owns the tensors (and runs eval under its own no-grad guard as it likes).
     */
    List<Tensor> stageOutputs(Tensor images) {
        if (outNorms == null) throw new IllegalStateException("not a dense-prediction backbone");
        List<Tensor> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope();
             SwinOutput o = forward(images, ForwardOptions.withStageFeatures())) {
            for (int i = 0; i < outNorms.size(); i++) {
                Tensor nhwc = o.stageFeatures().get(i).permute(0, 2, 3, 1);
                out.add(Tensors.keep(outNorms.get(i).forward(nhwc).permute(0, 3, 1, 2).contiguous()));
            }
        } catch (RuntimeException e) {
            out.forEach(Tensor::close);
            throw e;
        }
        return out;
    }

    private SwinTransformer bound(java.util.function.BiFunction<String, Param, Tensor> source) {
        bindAll(source);
        params = new Parameters(this);
        return this;
    }

    /** The canonical parameter names and shapes {@code config} needs, in registration order (nothing allocated). */
    public static Map<String, long[]> parameterShapes(SwinConfig config) {
        Map<String, long[]> out = new LinkedHashMap<>();
        new SwinTransformer(config).namedParams().forEach((k, p) -> out.put(k, p.shape()));
        return out;
    }

    /** The declared, unbound tree of {@code config} (for counts and policies; it cannot run). */
    static SwinTransformer declare(SwinConfig config) {
        return new SwinTransformer(config);
    }

    /** A model with freshly initialised weights as the reference's {@code _init_weights}, seeded. */
    public static SwinTransformer create(SwinConfig config, long seed) {
        NativeTorch.ensureLoaded();
        torch.manual_seed(seed);
        return new SwinTransformer(config).bound((name, p) -> initialised(p));
    }

    /**
     * A model whose every parameter comes from {@code canonical} (official names). Missing or mis-shaped
     * parameters are an error; use the weights loader for a report and non-strict loading.
     */
    public static SwinTransformer fromWeights(SwinConfig config, Map<String, HostTensor> canonical) {
        return fromWeights(config, canonical, false, 0);
    }

    /**
     * As {@link #fromWeights(SwinConfig, Map)}; with {@code initMissing} a parameter absent from the map is
     * freshly initialised (seeded) instead, e.g. a new head for fine-tuning.
     */
    public static SwinTransformer fromWeights(SwinConfig config, Map<String, HostTensor> canonical,
                                              boolean initMissing, long seed) {
        NativeTorch.ensureLoaded();
        torch.manual_seed(seed);
        return new SwinTransformer(config).bound((name, p) -> {
            HostTensor h = canonical.get(name);
            if (h == null) {
                if (initMissing) return initialised(p);
                throw new IllegalArgumentException("weights have no parameter " + name + " " + Arrays.toString(p.shape()));
            }
            return Tensors.fromHost(h);
        });
    }

    static Tensor initialised(Param p) {
        Tensor t = torch.zeros(p.shape(), new TensorOptions(torch.ScalarType.Float));
        Init init = p.init();
        try (NoGradGuard ignored = new NoGradGuard()) {
            switch (init.kind()) {
                case ZEROS -> { }
                case CONSTANT -> t.fill_(new Scalar(init.value()));
                case NORMAL -> torch.normal_(t, 0, init.value());
                case UNIFORM -> torch.uniform_(t, -init.value(), init.value());
            }
        }
        return t;
    }

    /**
     * Layer-wise groups as timm's {@code group_matcher}: 0 the stem (patch embedding, absolute position embedding),
     * i+1 stage i (its blocks and the merge after it), numStages+1 the final norm and the head. Freezing "stages 0..k-1"
     * freezes groups 0..k.
     */
    public Map<String, Integer> parameterGroups() {
        Map<Param, Integer> group = new java.util.IdentityHashMap<>();
        patchEmbed.namedParams().values().forEach(p -> group.put(p, 0));
        if (absolutePosEmbed != null) group.put(absolutePosEmbed, 0);
        for (int i = 0; i < stages.size(); i++) {
            int g = i + 1;
            stages.get(i).namedParams().values().forEach(p -> group.put(p, g));
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        namedParams().forEach((k, p) -> out.put(k, group.getOrDefault(p, stages.size() + 1)));
        return out;
    }

    /** The names excluded from weight decay (timm's {@code no_weight_decay} with the official 1-D rule). */
    public java.util.Set<String> noWeightDecay() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        namedParams().forEach((k, p) -> {
            if (p.noWeightDecay()) out.add(k);
        });
        return out;
    }

    /** Multiply-accumulates of one forward pass for one image of h×w, each module counting its own part. */
    double macs(int imageHeight, int imageWidth) {
        int[] grid = patchEmbed.grid(imageHeight, imageWidth);
        int h = grid[0], w = grid[1];
        double total = patchEmbed.macs(h, w);
        for (SwinStage stage : stages.items()) {
            for (SwinBlock block : stage.blocks.items()) total += block.macs(h, w);
            if (stage.downsample != null) {
                total += stage.downsample.macs(h, w);
                h = (h + 1) / 2;
                w = (w + 1) / 2;
            }
        }
        // The official final-norm term: numFeatures · patches / 2^numStages (sic; kept so the totals agree).
        if (norm != null) total += (double) config.numFeatures() * ((long) grid[0] * grid[1] >> config.numStages());
        return total + (head == null ? 0 : (double) head.in() * head.out());
    }

    public SwinConfig config() { return config; }

    /** The read-only view a graph writer needs (the ONNX exporter): blocks, windows, folded biases. */
    public ExportView exportView() {
        if (outNorms != null) throw new IllegalStateException("a dense-prediction backbone has no export view");
        return new ExportView(this);
    }

    PatchEmbed patchEmbed() { return patchEmbed; }

    SwinStage stage(int i) { return stages.get(i); }

    /** Whether the blocks compute attention maps that {@link ForwardOptions#optAttention} can return (not Swin-MLP). */
    public boolean hasAttentionMaps() {
        return stages.items().stream().flatMap(s -> s.blocks.items().stream()).allMatch(SwinBlock::hasAttention);
    }

    public Parameters parameters() { return params; }

    public boolean isTraining() { return training; }

    /** Training mode applies dropout and stochastic depth and records autograd; eval mode does neither. */
    public SwinTransformer train(boolean on) {
        training = on;
        return this;
    }

    public Precision precision() { return precision; }

    /** "fp32", "bf16", "int8 dynamic" or "int8 static": the precision with, for int8, how activations are quantized. */
    public String precisionLabel() {
        Quantization q = quantization;
        return q == null ? precision.toString() : precision + " " + q.activations();
    }

    /** How the model is quantized, or null unless its precision is {@link Precision#INT8}. */
    public Quantization quantization() { return quantization; }

    /**
     * Changes the compute precision in place. BF16 casts every parameter (as {@code module.to(dtype)}); INT8 quantizes
     * with {@link Quantization#dynamic()} unless the model is already int8 (a calibrated model stays as it is);
     * FP32 restores fp32 weights (from an int8 model: its dequantized weights, int8 · scale). Forward takes and returns
     * fp32 in every case. BF16 and INT8 are for inference: such a model refuses to train.
     */
    public synchronized SwinTransformer optPrecision(Precision p) {
        if (p == precision) return this;
        if (p == Precision.INT8) return quantize(Quantization.dynamic(), Map.of(), Map.of());
        if (precision == Precision.INT8) dequantize();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor t : params.asMap().values()) t.__dispatch_set_data(t.to(p.scalarType()));
        }
        precision = p;
        return this;
    }

    /**
     * The layers {@code spec} quantizes, by module path ({@code layers.0.blocks.0.attn.qkv}, {@code patch_embed.proj}):
     * every linear product of the blocks and merges, the head and the patch embedding if asked, never a position
     * encoding.
     */
    public List<String> quantizedLayers(Quantization spec) {
        return new ArrayList<>(quantizables(spec).keySet());
    }

    private Map<String, Quantizable> quantizables(Quantization spec) {
        Map<String, Quantizable> out = new LinkedHashMap<>();
        namedModules().forEach((name, m) -> {
            if (!(m instanceof Quantizable q) || !q.quantizable()) return;
            boolean wanted = !q.optional() || (m == head ? spec.head() : m == patchEmbed.projection() && spec.patchEmbed());
            if (wanted) out.put(name, q);
        });
        return out;
    }

    /**
     * Quantizes the model in place: the weights of every layer of {@link #quantizedLayers} become int8 (symmetric, per
     * output channel) and are packed for FBGEMM; their fp32 copies are released (an int8 Swin-T holds about a quarter
     * of the fp32 weight memory). Other parameters stay fp32.
     *
     * @param inputs       STATIC: the activation parameters of every layer's input (from {@link #calibrate}, or a saved
     *                     int8 model); DYNAMIC: ignored
     * @param weightScales per layer, the weight scales to use (a saved int8 model); a layer absent here gets PyTorch's
     *                     per-channel symmetric scales from its weights
     */
    public synchronized SwinTransformer quantize(Quantization spec, Map<String, QParams> inputs,
                                                 Map<String, float[]> weightScales) {
        if (training) throw new IllegalStateException("quantize a model in eval mode (int8 is for inference)");
        Map<String, Quantizable> layers = quantizables(spec);
        if (spec.activations() == Quantization.Activations.STATIC) {
            List<String> missing = layers.keySet().stream().filter(k -> !inputs.containsKey(k)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("static int8 needs calibrated input ranges; none for " + missing);
            }
        }
        if (precision == Precision.INT8) dequantize();
        if (precision != Precision.FP32) optPrecision(Precision.FP32);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor placeholder = torch.zeros(new long[] {1}, new TensorOptions(torch.ScalarType.Float));
            layers.forEach((name, q) -> {
                q.quantize(weightScales.get(name),
                        spec.activations() == Quantization.Activations.STATIC ? inputs.get(name) : null);
                // The fp32 weight is no longer read: keep its shape, drop its memory (a zero-stride view of 4 bytes).
                Tensor w = q.weightParam().tensor();
                w.__dispatch_set_data(placeholder.expand(q.weightParam().shape()));
            });
        }
        precision = Precision.INT8;
        quantization = spec;
        return this;
    }

    /** Back to fp32 weights from the int8 ones (int8 · scale per channel). */
    private void dequantize() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            quantizables(quantization).forEach((name, q) -> {
                Int8Linear int8 = q.int8();
                if (int8 == null) return;
                q.weightParam().tensor().__dispatch_set_data(
                        int8.dequantizedWeight().reshape(q.weightParam().shape()).contiguous());
                q.dequantize();
            });
        }
        precision = Precision.FP32;
        quantization = null;
    }

    /**
     * Starts recording the inputs of the layers {@code spec} quantizes: run fp32 forward passes over sample images,
     * then read {@link Calibration#inputParams} and {@link #quantize} with them. Close the calibration to stop
     * recording. The model must be fp32 and in eval mode.
     */
    public synchronized Calibration calibrate(Quantization spec) {
        if (precision != Precision.FP32 || training) {
            throw new IllegalStateException("calibrate an fp32 model in eval mode (this one is " + precision
                    + (training ? ", training" : "") + ")");
        }
        return new Calibration(quantizables(spec));
    }

    /**
     * Starts timing every linear product of the model (the layers int8 quantizes, head and patch embedding included),
     * in fp32 or int8 alike, until closed: a profile of where a forward pass spends its time.
     */
    public ProductProfile profileProducts() {
        return new ProductProfile(quantizables(new Quantization(Quantization.Activations.DYNAMIC, true, true)));
    }

    /**
     * The int8 form of every quantized layer, by path, to save: int8 weights (as integral floats, the layer's weight
     * shape), per-channel scales and, for static activations, the input parameters.
     */
    public Map<String, Int8Layer> int8Layers() {
        if (precision != Precision.INT8) throw new IllegalStateException("the model is not int8 (it is " + precision + ")");
        Map<String, Int8Layer> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            quantizables(quantization).forEach((name, q) -> {
                Int8Linear int8 = q.int8();
                HostTensor w = Tensors.toHost(int8.int8Weight().to(torch.ScalarType.Float).reshape(q.weightParam().shape()));
                out.put(name, new Int8Layer(w, int8.weightScales(), int8.input()));
            });
        }
        return out;
    }

    /** Bytes of weights the model holds: fp32 (or bf16) parameters plus, when int8, the int8 weights and scales. */
    public long weightBytes() {
        // An int8 layer's fp32 weight is a released placeholder: count its int8 form instead.
        java.util.Set<Param> released = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long bytes = 0;
        if (precision == Precision.INT8) {
            for (Quantizable q : quantizables(quantization).values()) {
                released.add(q.weightParam());
                bytes += q.int8().weightBytes();
            }
        }
        for (Param p : params.declarations().values()) {
            if (!released.contains(p)) bytes += p.numel() * p.tensor().element_size();
        }
        return bytes;
    }

    /**
     * One int8 layer as saved: weights (int8 values as floats, the layer's weight shape), one scale per output
     * channel (zero points 0), and the uint8 input parameters (null for dynamic activations).
     */
    public record Int8Layer(HostTensor weight, float[] weightScales, QParams input) {}

    public SwinOutput forward(Tensor images) {
        return forward(images, ForwardOptions.DEFAULT);
    }

    /**
     * @param images (B, inChans, H, W) float32, any B, H, W ({@link SizeRule} says how odd sizes are handled)
     */
    public SwinOutput forward(Tensor images, ForwardOptions options) {
        if (images.dim() != 4 || images.size(1) != config.inChans()) {
            throw new IllegalArgumentException("input must be (B, " + config.inChans() + ", H, W); got "
                    + Arrays.toString(Tensors.shape(images)));
        }
        boolean train = training;
        Precision p = precision;
        if (train && p != Precision.FP32) {
            throw new IllegalStateException((p == Precision.INT8 ? "an " : "a ") + p + " model is for inference; train in fp32");
        }
        if (train && options.blockStatistics()) {
            throw new IllegalStateException("block statistics are measured in eval mode; call train(false) first");
        }
        try (PointerScope scope = new PointerScope();
             NoGradGuard noGrad = train ? null : new NoGradGuard()) {
            int[] grid = new int[2];
            Tensor input = cast(images, p.scalarType());
            Tensor x = patchEmbed.forward(input, grid);
            if (absolutePosEmbed != null) {
                if (x.size(1) != absolutePosEmbed.shape()[1]) {
                    throw new IllegalArgumentException("absolute position embedding is for " + config.imgSize() + "x"
                            + config.imgSize() + " inputs; got " + images.size(2) + "x" + images.size(3));
                }
                x = x.add(absolutePosEmbed.tensor());
            }
            x = Ops.dropout(x, config.dropRate(), train);
            int h = grid[0], w = grid[1];
            List<Tensor> features = new ArrayList<>();
            List<SwinOutput.BlockAttention> attentions = new ArrayList<>();
            List<BlockStatistics> statistics = new ArrayList<>();
            for (int s = 0; s < stages.size(); s++) {
                SwinStage stage = stages.get(s);
                for (int j = 0; j < stage.blocks.size(); j++) {
                    SwinBlock block = stage.blocks.get(j);
                    ForwardOptions.BlockId id = new ForwardOptions.BlockId(s, j);
                    boolean wantProbs = options.attentionBlocks().contains(id);
                    if (wantProbs && !block.hasAttention()) {
                        throw new IllegalArgumentException("a " + config.family() + " model has no attention maps");
                    }
                    Tensor in = x;
                    int bh = h, bw = w;
                    x = step(scope, x, () -> {
                        boolean stats = options.blockStatistics();
                        Tensor[] probs = wantProbs || (stats && block.hasAttention()) ? new Tensor[1] : null;
                        Tensor[] ffn = stats ? new Tensor[1] : null;
                        Tensor out = block.forward(in, bh, bw, probs, ffn, train);
                        Tensor windowed = null;
                        if (probs != null) {
                            var plan = block.windows(bh, bw);
                            long n = plan.windowTokens();
                            windowed = probs[0].view(out.size(0), plan.numWindows(), -1, n, n);
                            if (wantProbs) {
                                attentions.add(new SwinOutput.BlockAttention(id, plan,
                                        Tensors.keep(fp32(windowed).contiguous())));
                            }
                        }
                        if (stats) statistics.add(blockStatistics(id, out, ffn[0], windowed));
                        return out;
                    });
                }
                if (options.stageFeatures()) {
                    features.add(Tensors.keep(fp32(x.view(x.size(0), h, w, x.size(2)).permute(0, 3, 1, 2))
                            .contiguous()));
                }
                if (stage.downsample != null) {
                    Tensor in = x;
                    int bh = h, bw = w;
                    x = step(scope, x, () -> stage.downsample.forward(in, bh, bw));
                    h = (h + 1) / 2;
                    w = (w + 1) / 2;
                }
            }
            if (norm == null) return new SwinOutput(null, null, features, attentions, List.copyOf(statistics));
            x = norm.forward(x);
            Tensor pooled = torch.mean(x, 1L);
            Tensor embedding = Tensors.keep(fp32(pooled));
            Tensor logits = head == null ? null : Tensors.keep(fp32(head.forward(pooled)));
            return new SwinOutput(logits, embedding, features, attentions, List.copyOf(statistics));
        }
    }

    /** The outlier statistics of one block: its output, its MLP branch's output, its attention (null: none). */
    private static BlockStatistics blockStatistics(ForwardOptions.BlockId id, Tensor out, Tensor ffn, Tensor probs) {
        float[][][] mass = probs == null ? null : OutlierStats.attentionMass(probs);
        return new BlockStatistics(id, OutlierStats.infNorm(out), OutlierStats.infNorm(ffn), OutlierStats.kurtosis(out),
                OutlierStats.kurtosis(ffn), mass == null ? null : mass[0], mass == null ? null : mass[1]);
    }

    /**
     * Runs one block (or merge) in its own scope, so its temporaries are freed as soon as it returns rather than at
     * the end of the forward pass: the allocator then reuses the same memory block after block (peak memory
     * of one block, not of the whole network). Only the result moves to {@code outer}; {@code previous}, the
     * step's input, is released from it (autograd keeps what it needs by its own references).
     */
    private static Tensor step(PointerScope outer, Tensor previous, java.util.function.Supplier<Tensor> body) {
        Tensor result;
        try (PointerScope inner = new PointerScope()) {
            result = body.get();
            outer.attach(result);
            inner.detach(result);
        }
        outer.detach(previous);
        return result;
    }

    /** {@code t} in {@code type}: itself when it already is (no new wrapper), else a converted copy. */
    private static Tensor cast(Tensor t, torch.ScalarType type) {
        return t.scalar_type().intern() == type ? t : t.to(type);
    }

    private static Tensor fp32(Tensor t) {
        return cast(t, torch.ScalarType.Float);
    }

    @Override
    public void close() {
        releaseAll();
    }
}
