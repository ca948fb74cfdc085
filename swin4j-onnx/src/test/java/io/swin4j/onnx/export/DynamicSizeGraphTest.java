package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.OrtRunner;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ONE dynamic-size graph per model runs at any input size, computing the window plans in the graph: at square,
 * non-square, non-window-multiple and non-patch-multiple sizes, sizes where the OFFICIAL window shrinks (and stops
 * shifting) or torchvision drops the shift on one axis, it equals libtorch's forward (rel 1e-5) on logits, embedding
 * and every stage, batches 1 and 2; at a fixed size it equals that size's static graph.
 */
class DynamicSizeGraphTest {

    /** Stage maps at 32×32: 8×8, 4×4 (window 4). 12×44: 3×11 (OFFICIAL shrinks to 3), 20×52: 5×13, then 3×7. */
    private static final int[][] SIZES = {{32, 32}, {40, 24}, {36, 52}, {20, 20}, {12, 44}, {52, 76}, {17, 30}};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (SwinConfig.Family f : SwinConfig.Family.values()) {
            for (SizeRule rule : SizeRule.values()) {
                for (OnnxExportOptions.Ops ops : OnnxExportOptions.Ops.values()) {
                    if (f == SwinConfig.Family.MLP && ops == OnnxExportOptions.Ops.CONTRIB) continue; // no attention
                    out.add(Arguments.of(f, rule, ops));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void oneGraphForEverySize(SwinConfig.Family family, SizeRule rule, OnnxExportOptions.Ops ops) throws Exception {
        SwinConfig config = SwinOnnxExporterTest.tiny(family, rule);
        try (SwinTransformer model = OrtRunner.noisyModel(config, 21)) {
            Onnx.ModelProto graph = SwinOnnxExporter.export(model, OnnxExportOptions.defaults(config).withOps(ops)
                    .withDynamicSize().withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class)));
            assertThat(graph.getGraph().getInput(0).getType().getTensorType().getShape().getDim(2).getDimParam())
                    .isEqualTo("height");
            for (int[] s : SIZES) {
                int batch = s[0] % 3 == 0 ? 2 : 1;
                float[] x = OrtRunner.randomImages(batch, 3, s[0], s[1], s[0] * 31L + s[1]);
                Map<String, float[]> expected = OrtRunner.libtorch(model, x, batch, s[0], s[1]);
                Map<String, float[]> actual = OrtRunner.ort(graph, x, batch, 3, s[0], s[1]);
                for (String name : expected.keySet()) {
                    Fixtures.assertCloseScaled(name + " at " + s[0] + "x" + s[1], actual.get(name), expected.get(name));
                }
            }
        }
    }

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of(SwinConfig.Family.V1, SizeRule.OFFICIAL),
                Arguments.of(SwinConfig.Family.V2, SizeRule.TORCHVISION), Arguments.of(SwinConfig.Family.MLP, SizeRule.PADDED),
                Arguments.of(SwinConfig.Family.MLP, SizeRule.OFFICIAL));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("families")
    void atAFixedSizeItEqualsTheStaticGraph(SwinConfig.Family family, SizeRule rule) throws Exception {
        SwinConfig config = SwinOnnxExporterTest.tiny(family, rule);
        try (SwinTransformer model = OrtRunner.noisyModel(config, 4)) {
            OnnxExportOptions base = OnnxExportOptions.defaults(config).withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class));
            Onnx.ModelProto dynamic = SwinOnnxExporter.export(model, base.withDynamicSize());
            Onnx.ModelProto fixed = SwinOnnxExporter.export(model, base.withSize(40, 24));
            float[] x = OrtRunner.randomImages(2, 3, 40, 24, 8);
            Map<String, float[]> a = OrtRunner.ort(dynamic, x, 2, 3, 40, 24), b = OrtRunner.ort(fixed, x, 2, 3, 40, 24);
            for (String name : b.keySet()) {
                assertThat(Fixtures.maxAbsError(a.get(name), b.get(name)) / Math.max(1e-30, maxAbs(b.get(name))))
                        .as(name).isLessThanOrEqualTo(1e-6);
            }
            assertThat(dynamic.getGraph().getNodeCount()).isGreaterThan(fixed.getGraph().getNodeCount());
        }
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    @Test
    void whatNeedsAFixedSizeIsRefusedClearly() {
        SwinConfig ape = SwinOnnxExporterTest.tiny(SwinConfig.Family.V1, SizeRule.OFFICIAL).toBuilder().optApe(true).build();
        try (SwinTransformer model = OrtRunner.noisyModel(ape, 1)) {
            assertThatThrownBy(() -> SwinOnnxExporter.export(model, OnnxExportOptions.defaults(ape).withDynamicSize()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute position embedding")
                    .hasMessageContaining("asked a dynamic size");
        }
    }
}
