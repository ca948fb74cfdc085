package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The hot pieces of a Swin-T forward pass, one by one, in eval mode: window attention, shift + partition
 * (and its reverse), MLP, patch merging and a whole SW-MSA block. In swin4j-core's test sources, package
 * {@code io.swin4j.model}, to reach the package-private modules without a split package (JMH is a test dependency
 * of core and its annotation processor runs on the test sources only; not a test: surefire never runs it).
 * Run: {@code bench/jmh.sh [regex]} (see README, Performance).
 *
 * <p>Stage {@code stage} of Swin-T 224 at batch {@code batch}: stage 0 is 56×56×96 with 3 heads, 64 windows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BlockBenchmarks {

    @Param({"0", "2"})
    int stage;

    @Param({"8"})
    int batch;

    private SwinBlock block;
    private PatchMerging merging;
    private Tensor tokens, windows, attended;
    private int side;

    @Setup(Level.Trial)
    public void setUp() {
        NativeTorch.ensureLoaded();
        SwinConfig c = SwinConfig.preset("swin_tiny_patch4_window7_224");
        side = c.stageResolution(stage);
        torch.manual_seed(0);
        // Parameters that do not require grad: no autograd graph, as in eval.
        BlockParts parts = BlockParts.of(c.family());
        block = new SwinBlock(c, parts, stage, c.stageWindow(stage), side > c.stageWindow(stage), 0);
        block.bindAll((name, p) -> torch.randn(p.shape()).mul(new org.bytedeco.pytorch.Scalar(0.02)));
        merging = new PatchMerging(c.stageDim(stage), parts.mergeNormAfter());
        merging.bindAll((name, p) -> torch.randn(p.shape()).mul(new org.bytedeco.pytorch.Scalar(0.02)));
        tokens = Tensors.keep(torch.randn(batch, (long) side * side, c.stageDim(stage)));
        windows = Tensors.keep(block.partition(tokens, side, side));
        attended = Tensors.keep(block.mix(windows, side, side, false));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        block.releaseAll();
        merging.releaseAll();
    }

    @Benchmark
    public long windowAttention() {
        try (PointerScope s = new PointerScope()) {
            return block.mix(windows, side, side, false).numel();
        }
    }

    @Benchmark
    public long shiftAndPartition() {
        try (PointerScope s = new PointerScope()) {
            return block.partition(tokens, side, side).numel();
        }
    }

    @Benchmark
    public long reverseShiftAndMerge() {
        try (PointerScope s = new PointerScope()) {
            return block.reverse(attended, side, side, batch).numel();
        }
    }

    @Benchmark
    public long mlp() {
        try (PointerScope s = new PointerScope()) {
            return block.mlp(tokens, false).numel();
        }
    }

    @Benchmark
    public long patchMerging() {
        try (PointerScope s = new PointerScope()) {
            return merging.forward(tokens, side, side).numel();
        }
    }

    @Benchmark
    public long wholeBlock() {
        try (PointerScope s = new PointerScope()) {
            return block.forward(tokens, side, side, null, false).numel();
        }
    }
}
