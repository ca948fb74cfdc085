import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.bench.BenchResult;
import io.swin4j.bench.ThroughputStats;
import io.swin4j.bench.Timing;
import io.swin4j.io.Npy;
import io.swin4j.tensor.HostTensor;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime Java side of bench/compare.sh, timed by the same harness as swin bench (swin4j-bench's Timing) and
 * printed in the same JSON. Run as a single-file program with the ORT jar and swin4j-bench on the class path:
 *
 *   java -cp ORT_JAR:swin4j-bench/target/lib/*:swin4j-bench/target/swin4j-bench.jar bench/OrtBench.java \
 *       bench MODEL.onnx BATCH THREADS [WARMUP RUNS SECONDS [HEIGHT WIDTH [LABEL]]]
 *   ... bench/OrtBench.java check MODEL_B1.onnx INPUT.npy OUTPUT.npy
 */
public class OrtBench {

    static final double MACS_SWIN_T = 4494405120.0; // official SwinTransformer.flops() at 224, as swin bench

    public static void main(String[] args) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        if (args[0].equals("check")) {
            check(env, args[1], Path.of(args[2]), Path.of(args[3]));
            return;
        }
        String model = args[1];
        int batch = Integer.parseInt(args[2]), threads = Integer.parseInt(args[3]);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3, runs = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        double seconds = args.length > 6 ? Double.parseDouble(args[6]) : 10;
        int height = args.length > 8 ? Integer.parseInt(args[7]) : 224, width = args.length > 8 ? Integer.parseInt(args[8]) : 224;
        String label = args.length > 9 ? args[9] : "torchvision swin_t (ONNX opset 17)";
        try (OrtSession session = env.createSession(model, options(threads))) {
            float[] data = new float[batch * 3 * height * width];
            Random rng = new Random(batch);
            for (int i = 0; i < data.length; i++) data[i] = (float) rng.nextGaussian();
            try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {batch, 3, height, width})) {
                ThroughputStats stats = Timing.measure(batch, warmup, runs, seconds, () -> run(session, input));
                BenchResult r = BenchResult.of("onnxruntime", label, "fp32", "ort intra-op=" + threads, height,
                        MACS_SWIN_T * height * width / (224.0 * 224), stats);
                System.out.println(new ObjectMapper().writeValueAsString(r));
            }
        }
    }

    static OrtSession.SessionOptions options(int threads) throws Exception {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return o;
    }

    /** Logits to Java, as the swin4j and PyTorch sides do. */
    static float[][] run(OrtSession session, OnnxTensor input) {
        try (OrtSession.Result r = session.run(Map.of("images", input))) {
            return (float[][]) r.get(0).getValue();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the batch-1 model on each sample of INPUT and writes the logits to OUTPUT. */
    static void check(OrtEnvironment env, String model, Path in, Path out) throws Exception {
        HostTensor x = Npy.read(in);
        int n = (int) x.shape()[0], per = 3 * 224 * 224;
        float[] logits = null;
        try (OrtSession session = env.createSession(model, options(2))) {
            for (int s = 0; s < n; s++) {
                float[] one = java.util.Arrays.copyOfRange(x.data(), s * per, (s + 1) * per);
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(one), new long[] {1, 3, 224, 224})) {
                    float[] row = run(session, t)[0];
                    if (logits == null) logits = new float[n * row.length];
                    System.arraycopy(row, 0, logits, s * row.length, row.length);
                }
            }
        }
        Npy.write(out, HostTensor.of(logits, n, logits.length / n));
    }
}
