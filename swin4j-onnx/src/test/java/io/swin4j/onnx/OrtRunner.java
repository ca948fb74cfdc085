package io.swin4j.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Test helpers: random-weight models whose every parameter matters, libtorch outputs, and ORT runs of a graph. */
public final class OrtRunner {

    private OrtRunner() {}

    /**
     * A model of {@code config} whose parameters are its initialisation plus N(0, 0.1²) noise, so that zero-initialised
     * parts (V2's res-post-norm weights, biases) take part in the comparison.
     */
    public static SwinTransformer noisyModel(SwinConfig config, long seed) {
        Map<String, HostTensor> weights;
        try (SwinTransformer init = SwinTransformer.create(config, seed)) {
            weights = init.parameters().toHost();
        }
        Random r = new Random(seed);
        Map<String, HostTensor> noisy = new LinkedHashMap<>();
        weights.forEach((k, t) -> {
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) d[i] += (float) (0.1 * r.nextGaussian());
            noisy.put(k, new HostTensor(t.shape(), d, "float32"));
        });
        return SwinTransformer.fromWeights(config, noisy);
    }

    public static float[] randomImages(int batch, int channels, int h, int w, long seed) {
        Random r = new Random(seed);
        float[] x = new float[batch * channels * h * w];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** libtorch's logits, embedding and stage features ("logits", "embedding", "stage0", ...). */
    public static Map<String, float[]> libtorch(SwinTransformer model, float[] images, int batch, int h, int w) {
        Map<String, float[]> out = new HashMap<>();
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(images, batch, model.config().inChans(), h, w);
            try (SwinOutput o = model.forward(x, ForwardOptions.withStageFeatures())) {
                if (o.logits() != null) out.put("logits", Tensors.toFloats(o.logits()));
                out.put("embedding", Tensors.toFloats(o.embedding()));
                for (int i = 0; i < o.stageFeatures().size(); i++) {
                    out.put("stage" + i, Tensors.toFloats(o.stageFeatures().get(i)));
                }
            }
        }
        return out;
    }

    /** Every output of {@code graph} on {@code images} (fp32 NCHW input named "images"), by name. */
    public static Map<String, float[]> ort(Onnx.ModelProto graph, float[] images, int batch, int channels, int h, int w)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {batch, channels, h, w})) {
            return run(graph, "images", in);
        }
    }

    /** Every output of an in-graph-normalisation {@code graph} on uint8 (B, H, W, 3) RGB {@code pixels}, by name. */
    public static Map<String, float[]> ortPixels(Onnx.ModelProto graph, byte[] pixels, int batch, int h, int w)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor in = OnnxTensor.createTensor(env, ByteBuffer.wrap(pixels), new long[] {batch, h, w, 3},
                OnnxJavaType.UINT8)) {
            return run(graph, "pixels", in);
        }
    }

    private static Map<String, float[]> run(Onnx.ModelProto graph, String inputName, OnnxTensor in) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession s = env.createSession(graph.toByteArray(), so);
                 OrtSession.Result r = s.run(Map.of(inputName, in))) {
                Map<String, float[]> out = new HashMap<>();
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                    FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
                    float[] f = new float[fb.remaining()];
                    fb.get(f);
                    out.put(e.getKey(), f);
                }
                return out;
            }
        }
    }

}
