package io.swin4j.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.swin4j.infer.InferenceEngine;
import io.swin4j.infer.InferenceEngines;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.export.OnnxExportOptions;
import io.swin4j.onnx.export.SwinOnnxExporter;
import io.swin4j.tensor.HostTensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code onnxruntime} engine: the model written as swin4j's own ONNX graph ({@link SwinOnnxExporter}, contrib
 * operators, dynamic batch, the predictor's input size) and run by ONNX Runtime. The libtorch model is closed as
 * soon as the session holds the weights, so only one copy stays in memory.
 */
public final class OnnxRuntimeEngine implements InferenceEngine {

    /** The engine's name. */
    public static final String NAME = "onnxruntime";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    /** The weights ONNX Runtime reads in place (external initializers): alive as long as the session. */
    private final List<OnnxTensor> weights = new ArrayList<>();
    private final SwinConfig config;
    private final int stages;
    private final boolean hasHead;

    /**
     * @param threads ONNX Runtime's intra-op threads (0: the cores)
     */
    public OnnxRuntimeEngine(SwinTransformer model, int height, int width, int threads) {
        SwinOnnxExporter.External export;
        try (model) {
            if (model.precision() != Precision.FP32) {
                throw new IllegalArgumentException("--engine onnxruntime runs fp32 only; this model runs in "
                        + model.precisionLabel() + ": drop --precision (or use an fp32 checkpoint), or use --engine "
                        + "libtorch for " + model.precisionLabel());
            }
            this.config = model.config();
            this.stages = config.numStages();
            this.hasHead = config.numClasses() > 0;
            EnumSet<OnnxExportOptions.Output> outputs = EnumSet.of(OnnxExportOptions.Output.EMBEDDING,
                    OnnxExportOptions.Output.STAGE_FEATURES);
            if (hasHead) outputs.add(OnnxExportOptions.Output.LOGITS);
            export = SwinOnnxExporter.exportExternal(model, OnnxExportOptions.defaults(config).withSize(height, width)
                    .withOutputs(outputs));
        } // the libtorch model is closed here: from now on only the host copies and then ONNX Runtime hold weights
        try (OrtSession.SessionOptions so = options(threads)) {
            Map<String, ai.onnxruntime.OnnxTensorLike> initializers = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : export.weights().entrySet()) {
                float[] data = e.getValue().data();
                FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length * 4)
                        .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().put(data);
                direct.rewind();
                OnnxTensor t = OnnxTensor.createTensor(env, direct, e.getValue().shape());
                weights.add(t);
                initializers.put(e.getKey(), t);
            }
            so.addExternalInitializers(initializers);
            byte[] graph = export.graph().toByteArray();
            export = null; // the host copies of the weights can go once they are in direct buffers
            session = env.createSession(graph, so);
        } catch (OrtException e) {
            weights.forEach(OnnxTensor::close);
            throw new IllegalStateException("ONNX Runtime could not load the exported graph: " + e.getMessage(), e);
        }
    }

    static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        so.setInterOpNumThreads(1);
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        return so;
    }

    @Override
    public String name() { return NAME; }

    @Override
    public Outputs run(HostTensor images, Want want) {
        int count = Math.toIntExact(images.dim(0));
        if (want.probabilities() && !hasHead) {
            throw new IllegalStateException("the model has no classifier head (0 classes): use embed");
        }
        List<String> names = new ArrayList<>();
        if (want.probabilities()) names.add("logits");
        if (want.embeddings()) names.add("embedding");
        if (want.stageFeatures()) for (int i = 0; i < stages; i++) names.add("stage" + i);
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.data()), images.shape());
             OrtSession.Result r = session.run(Map.of("images", in), new java.util.LinkedHashSet<>(names))) {
            HostTensor probs = null, emb = null;
            List<HostTensor> maps = new ArrayList<>();
            for (String n : names) {
                HostTensor t = host(r.get(n));
                if (n.equals("logits")) probs = InferenceEngines.probabilities(t.data(), count);
                else if (n.equals("embedding")) emb = t;
                else maps.add(t);
            }
            return new Outputs(probs, emb, maps);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + count + ": " + e.getMessage(), e);
        }
    }

    private static HostTensor host(Optional<OnnxValue> value) {
        OnnxTensor t = (OnnxTensor) value.orElseThrow();
        FloatBuffer fb = t.getFloatBuffer();
        float[] data = new float[fb.remaining()];
        fb.get(data);
        return new HostTensor(t.getInfo().getShape(), data, "float32");
    }

    @Override
    public String precisionLabel() { return "fp32"; }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            weights.forEach(OnnxTensor::close);
        }
    }
}
