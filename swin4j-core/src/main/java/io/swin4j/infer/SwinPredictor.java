package io.swin4j.infer;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.pipeline.Failures;
import io.swin4j.pipeline.ImageSource;
import io.swin4j.pipeline.Pipeline;
import io.swin4j.pipeline.Task;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.layout.Layout;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one inference API: images in, top-k classes or embeddings out, with the preprocessing of the
 * checkpoint's source. Thread-safe: concurrent callers share one model (its forward is re-entrant); each call
 * batches its own images. Close it to free the model's native memory.
 *
 * <p>Every call runs a {@link Pipeline} of a task (decode → preprocess → batch → forward → post-process):
 * {@link #classifyTask}, {@link #embedTask}, {@link #attentionTask}, {@link #stageFeaturesTask}. Front ends (the
 * CLI, the server, Spark) take the pipeline ({@link #pipeline(Task)}) and decode or batch nothing themselves.
 *
 * <pre>{@code
 * try (SwinPredictor p = SwinPredictor.builder(Path.of("swin_t.pth")).build()) {
 *     List<Prediction> top5 = p.classify(Path.of("cat.jpg"), 5);
 * }
 * }</pre>
 */
public final class SwinPredictor implements AutoCloseable {

    private final SwinWeights weights;
    /** The libtorch model when the engine is libtorch (attention maps need it), else null. */
    private final SwinTransformer model;
    private final InferenceEngine engine;
    private final EvalPreset preset;
    private final Labels labels;
    private final ImageDecoder decoder;
    private final int batchSize;

    private SwinPredictor(Builder b, SwinWeights weights) {
        this.weights = weights;
        this.preset = b.preset != null ? b.preset : savedPreset(weights);
        int classes = weights.config().numClasses();
        this.labels = b.labels != null ? b.labels.requireSize(classes) : savedLabels(weights);
        this.decoder = b.decoder != null ? b.decoder : new ImageDecoder();
        this.batchSize = b.batchSize;
        SwinTransformer created = weights.createModel(b.precision);
        this.engine = InferenceEngines.open(b.engine, created, preset.height(), preset.width(), b.threads);
        this.model = engine instanceof LibtorchEngine l ? l.model() : null;
    }

    public static Builder builder(Path weights) {
        return new Builder(weights);
    }

    /** A predictor over the model bundled with swin4j ({@link BundledModel}: Fashion-MNIST, 10 classes). */
    public static Builder builder() {
        return new Builder(BundledModel.path());
    }

    /** A predictor over weights already loaded (e.g. read once to learn their task); load options do not apply. */
    public static Builder builder(SwinWeights loaded) {
        Builder b = new Builder(loaded.file());
        b.loaded = java.util.Objects.requireNonNull(loaded);
        return b;
    }

    /** Options of a predictor; {@code opt*} methods set what differs from the defaults. */
    public static final class Builder {
        private final Path weightsFile;
        private EvalPreset preset;
        private Labels labels;
        private ImageDecoder decoder;
        private int batchSize = 16;
        private LoadOptions loadOptions = LoadOptions.defaults();
        private int threads;
        private Precision precision;
        private SwinWeights loaded;
        private String engine = InferenceEngines.LIBTORCH;

        private Builder(Path weightsFile) {
            this.weightsFile = weightsFile;
        }

        /** Preprocessing; default: the one of the checkpoint's source (see {@link #defaultPreset}). */
        public Builder optPreset(EvalPreset p) { preset = p; return this; }
        /** Class names; default: ImageNet-1K for 1000-class heads, else class_i. */
        public Builder optLabels(Labels l) { labels = l; return this; }
        /** Decoder settings (e.g. the decompression-bomb limit). */
        public Builder optDecoder(ImageDecoder d) { decoder = d; return this; }
        /** What one image may cost (the decode step's and the preset's limits); default {@link ImageLimits#DEFAULTS}. */
        public Builder optLimits(ImageLimits l) { decoder = new ImageDecoder(l); return this; }
        /** Images per forward pass (default 16). */
        public Builder optBatchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + n);
            batchSize = n;
            return this;
        }
        public Builder optLoadOptions(LoadOptions o) { loadOptions = o; return this; }
        /**
         * libtorch's intra-op (OpenMP) threads. This is process-wide, not per predictor; OpenBLAS keeps its own pool
         * ({@code OPENBLAS_NUM_THREADS}, read at start-up), and the two together should not exceed the cores.
         */
        public Builder optThreads(int n) {
            if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
            threads = n;
            return this;
        }

        /**
         * The compute precision; default: the weights' own (int8 for a file {@code swin quantize} wrote, else fp32).
         * INT8 quantizes an fp32 model dynamically (no calibration; see {@link io.swin4j.model.Quantization}); bf16 is
         * about twice the GEMM speed of fp32 on CPUs with bf16 instructions.
         */
        public Builder optPrecision(Precision p) { precision = java.util.Objects.requireNonNull(p); return this; }

        /**
         * The inference engine ({@link InferenceEngines#available()}): {@code libtorch} (default; every precision, the
         * attention task) or {@code onnxruntime} (swin4j-onnx on the class path: the model exported to an ONNX graph
         * at the preset's size and run by ONNX Runtime; fp32).
         */
        public Builder optEngine(String name) { engine = java.util.Objects.requireNonNull(name); return this; }

        public SwinPredictor build() throws IOException {
            if (threads > 0) NativeTorch.setIntraOpThreads(threads);
            return new SwinPredictor(this, loaded != null ? loaded : SwinWeights.load(weightsFile, loadOptions));
        }
    }

    /** The preprocessing of a model: its card's (saved with it, else its source's published one). */
    public static EvalPreset savedPreset(SwinWeights weights) {
        return weights.card().evalPreset();
    }

    /** The class names of a model: its card's, else {@link Labels#defaultFor}. */
    public static Labels savedLabels(SwinWeights weights) {
        ModelCard card = weights.card();
        int classes = weights.config().numClasses();
        if (card.classNames() == null) return Labels.defaultFor(classes);
        return Labels.of(card.classNames(), weights.file().getFileName() + " metadata").requireSize(classes);
    }

    public SwinConfig config() { return weights.config(); }

    /** Whether {@link #attention} can show this model's blocks (every family but Swin-MLP). */
    public boolean hasAttentionMaps() { return engine.hasAttentionMaps(); }

    /** The engine's name ({@code libtorch}, {@code onnxruntime}). */
    public String engine() { return engine.name(); }

    public SwinWeights weights() { return weights; }

    public EvalPreset preset() { return preset; }

    public Labels labels() { return labels; }

    /** An image's answer, or why it has none; the batch methods report each image this way. */
    public record Result<T>(String source, T value, String error) {
        public boolean ok() { return error == null; }

        static <T> Result<T> of(io.swin4j.pipeline.Result<T> r) {
            return new Result<>(r.source(), r.value(), r.error());
        }
    }

    // ---- tasks and their pipelines ------------------------------------------------------------------------

    /** Top-k classes, with this predictor's preset, labels and model. */
    public ClassifyTask classifyTask(int k) {
        return new ClassifyTask(preset, labels, k, this::forward);
    }

    /** Pooled embeddings, with this predictor's preset and model. */
    public EmbedTask embedTask() {
        return new EmbedTask(preset, this::forward);
    }

    /**
     * One block's attention, the JSON of it showing {@code head}.
     *
     * @throws IllegalArgumentException for a model without attention maps (Swin-MLP), or no such block or head
     */
    public AttentionTask attentionTask(int stage, int block, int head) {
        if (model == null) {
            throw new IllegalArgumentException("attention maps need --engine libtorch; this predictor runs on "
                    + engine.name());
        }
        return new AttentionTask(model, config(), preset, stage, block, head);
    }

    /** Per-stage NCHW feature maps, with this predictor's preset and model. */
    public StageFeaturesTask stageFeaturesTask() {
        return new StageFeaturesTask(preset, inputs -> run(inputs, new InferenceEngine.Want(false, false, true))
                .stageFeatures());
    }

    /** A pipeline of {@code task} with this predictor's decoder (its limits) and batch size. */
    public <O> Pipeline<O> pipeline(Task<?, ?, O> task) {
        return Pipeline.of(task, decoder, batchSize);
    }

    // ---- the one-call API on the pipelines ----------------------------------------------------------------

    public List<Prediction> classify(Path image, int topK) throws IOException {
        return pipeline(classifyTask(topK)).runOne(ImageSource.file(image));
    }

    public List<Prediction> classify(RgbImage image, int topK) {
        return one(classifyTask(topK), image);
    }

    public float[] embed(Path image) throws IOException {
        return pipeline(embedTask()).runOne(ImageSource.file(image));
    }

    public float[] embed(RgbImage image) {
        return one(embedTask(), image);
    }

    /** A decoded image through a task: only the preprocess step can fail (its exception is thrown as it is). */
    private <O> O one(Task<?, ?, O> task, RgbImage image) {
        try {
            return pipeline(task).runOne(ImageSource.image(image, "image"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a decoded image is not read again
        }
    }

    /**
     * Classifies every file in batches; a file that fails (unreadable, refused by the decoder's {@link
     * io.swin4j.vision.ImageLimits}, or out of memory while decoding) is reported as "file: reason" and the others go on.
     */
    public List<Result<List<Prediction>>> classifyAll(List<Path> images, int topK, Consumer<Result<List<Prediction>>> each) {
        return forAll(pipeline(classifyTask(topK)), images, each);
    }

    /** Embeds every file in batches; a file that fails is reported as "file: reason" and the others go on. */
    public List<Result<float[]>> embedAll(List<Path> images, Consumer<Result<float[]>> each) {
        return forAll(pipeline(embedTask()), images, each);
    }

    private static <T> List<Result<T>> forAll(Pipeline<T> pipeline, List<Path> images, Consumer<Result<T>> each) {
        List<ImageSource> sources = new ArrayList<>(images.size());
        for (Path p : images) sources.add(ImageSource.file(p));
        List<Result<T>> all = new ArrayList<>(images.size());
        pipeline.run(sources, r -> {
            Result<T> mine = Result.of(r);
            all.add(mine);
            if (each != null) each.accept(mine);
        });
        return all;
    }

    /** "file: reason": decode errors name their file already; the preset's (a resize over the limits) are prefixed. */
    static String failure(Path image, Exception e) {
        return Failures.message(image.toString(), e);
    }

    /**
     * Class probabilities and embeddings of a batch, one row per input; {@code probabilities} is null for a model
     * without a classifier head.
     */
    public record BatchOutput(float[][] probabilities, float[][] embeddings) {}

    /**
     * One forward pass over inputs already preprocessed by {@link #preset()} ({@code preset().apply(image)}, CHW
     * floats): both the softmax probabilities and the embeddings. This is what a caller that gathers images itself
     * (a micro-batching server, a Spark partition) calls.
     */
    public BatchOutput forward(List<float[]> inputs) {
        return forward(inputs, config().numClasses() > 0, true);
    }

    private BatchOutput forward(List<float[]> inputs, boolean probabilities, boolean embeddings) {
        if (inputs.isEmpty()) return new BatchOutput(probabilities ? new float[0][] : null, new float[0][]);
        InferenceEngine.Outputs out = run(inputs, new InferenceEngine.Want(probabilities, embeddings, false));
        return new BatchOutput(probabilities ? rows(out.probabilities(), inputs.size()) : null,
                embeddings ? rows(out.embeddings(), inputs.size()) : null);
    }

    /** One engine call over preprocessed inputs of the preset's size. */
    private InferenceEngine.Outputs run(List<float[]> inputs, InferenceEngine.Want want) {
        return engine.run(io.swin4j.tensor.HostTensor.batch(inputs, 3, preset.height(), preset.width()), want);
    }

    private static float[][] rows(io.swin4j.tensor.HostTensor t, int count) {
        float[] flat = t.data();
        int n = flat.length / count;
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) rows[i] = Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        return rows;
    }

    /**
     * The attention probabilities of one block for one image, with the image as the model saw it (after
     * {@link #preset()}'s resize and crop), for visualising windows and attention.
     */
    public AttentionView attention(RgbImage image, int stage, int block) {
        return one(attentionTask(stage, block, 0), image);
    }

    /** The per-stage NCHW feature maps of one image ({@link #stageFeaturesTask()}). */
    public StageFeatures stageFeatures(RgbImage image) {
        return one(stageFeaturesTask(), image);
    }

    public ImageDecoder decoder() { return decoder; }

    public Precision precision() { return model != null ? model.precision() : Precision.FP32; }

    /** "fp32", "bf16", "int8 dynamic" or "int8 static". */
    public String precisionLabel() { return engine.precisionLabel(); }

    /** The k most probable classes of one row of probabilities, most probable first (ties: lower index first). */
    public List<Prediction> topK(float[] probs, int k) {
        return TopK.of(probs, k, labels);
    }

    @Override
    public void close() {
        engine.close();
    }
}
