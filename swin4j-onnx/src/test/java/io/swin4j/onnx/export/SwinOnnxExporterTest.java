package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.OrtRunner;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exported graph, run by ONNX Runtime, computes what swin4j's libtorch forward computes: logits, embedding and
 * every stage's features within rel 1e-5, for every family and size rule, both operator modes, square, non-square,
 * non-window-multiple and non-patch-multiple sizes, and batches 1 and 3 through one dynamic-batch graph.
 */
class SwinOnnxExporterTest {

    /** Embed 16, depths (2, 2), heads (2, 4), window 4, patch 4, 5 classes: stage maps 8×8 / 4×4 at 32×32. */
    static SwinConfig tiny(SwinConfig.Family family, SizeRule rule) {
        return SwinConfig.builder().optName("tiny_" + family + "_" + rule).optFamily(family).optSizeRule(rule)
                .optImgSize(32).optPatchSize(4).optEmbedDim(16).optDepths(2, 2).optNumHeads(2, 4).optWindowSize(4)
                .optNumClasses(5).build();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[][] sizes = {{32, 32}, {40, 24}, {36, 52}, {20, 20}};
        for (SwinConfig.Family f : SwinConfig.Family.values()) {
            for (SizeRule rule : SizeRule.values()) {
                for (OnnxExportOptions.Ops ops : OnnxExportOptions.Ops.values()) {
                    if (f == SwinConfig.Family.MLP && ops == OnnxExportOptions.Ops.CONTRIB) continue; // no attention
                    for (int[] s : sizes) out.add(Arguments.of(f, rule, ops, s[0], s[1]));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}x{4}")
    @MethodSource("cases")
    void graphEqualsLibtorch(SwinConfig.Family family, SizeRule rule, OnnxExportOptions.Ops ops, int h, int w)
            throws Exception {
        SwinConfig config = tiny(family, rule);
        try (SwinTransformer model = OrtRunner.noisyModel(config, 11)) {
            OnnxExportOptions o = OnnxExportOptions.defaults(config).withOps(ops).withSize(h, w)
                    .withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class));
            Onnx.ModelProto graph = SwinOnnxExporter.export(model, o);
            for (int batch : new int[] {1, 3}) {
                float[] x = OrtRunner.randomImages(batch, 3, h, w, 100 + batch);
                Map<String, float[]> expected = OrtRunner.libtorch(model, x, batch, h, w);
                Map<String, float[]> actual = OrtRunner.ort(graph, x, batch, 3, h, w);
                assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
                for (String name : expected.keySet()) {
                    Fixtures.assertCloseScaled(name + " batch " + batch, actual.get(name), expected.get(name));
                }
            }
        }
    }
}
