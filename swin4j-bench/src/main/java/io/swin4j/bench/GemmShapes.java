package io.swin4j.bench;

import io.swin4j.engine.NativeTorch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * GFLOP/s of libtorch's linear on the matrix products of Swin-T at batch 1 (tokens × in → out for qkv, proj, fc1
 * and fc2 of each stage), as {@code linear(x, W, b)} and as {@code addmm(b, x, Wᵀ)} with a pre-transposed weight:
 * how fast the GEMM library is on the shapes the model runs, apart from everything else in a forward pass.
 * Run it with the launcher's environment: {@code . tools/native-env.sh; java -cp ... io.swin4j.bench.GemmShapes}.
 */
public final class GemmShapes {

    private GemmShapes() {}

    public static void main(String[] args) {
        NativeTorch.ensureLoaded();
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.4;
        int[][] shapes = {{3136, 96, 288}, {3136, 96, 96}, {3136, 96, 384}, {3136, 384, 96}, {784, 192, 576},
                {784, 768, 192}, {196, 384, 1152}, {196, 1536, 384}, {49, 768, 2304}, {49, 3072, 768}};
        System.out.println("tokens x in -> out        linear GFLOP/s   addmm(W^T) GFLOP/s");
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            try (PointerScope scope = new PointerScope()) {
                Tensor x = torch.randn(m, k), w = torch.randn(n, k), b = torch.randn(n);
                Tensor wt = w.t().contiguous();
                double flop = 2.0 * m * k * n;
                rate(seconds, flop, () -> torch.linear(x, w, new TensorOptional(b))); // warm-up
                double linear = rate(seconds, flop, () -> torch.linear(x, w, new TensorOptional(b)));
                double addmm = rate(seconds, flop, () -> torch.addmm(b, x, wt));
                System.out.printf("%5d x %4d -> %4d   %10.1f   %10.1f%n", m, k, n, linear, addmm);
            }
        }
    }

    private static double rate(double seconds, double flop, Runnable op) {
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        int calls = 0;
        while (System.nanoTime() < end) {
            try (PointerScope scope = new PointerScope()) {
                op.run();
            }
            calls++;
        }
        return flop * calls / ((System.nanoTime() - start) / 1e9) / 1e9;
    }
}
