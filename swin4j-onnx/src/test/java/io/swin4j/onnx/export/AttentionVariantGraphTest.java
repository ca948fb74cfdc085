package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.AttentionVariant;
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
 * Clipped softmax and gated attention (AttentionVariant) in the exported graph: standard ops in both modes (contrib
 * mode writes these blocks with standard ops too), equal to libtorch's forward within rel 1e-5 on every output, V1
 * and V2, each size rule, static sizes where the OFFICIAL window shrinks (γ = −α/N follows the run-time window) and
 * one dynamic-size graph run at several sizes.
 */
class AttentionVariantGraphTest {

    /** 12×44: stage maps 3×11 (OFFICIAL shrinks the window 4 → 3), 36×52: 9×13 (padded). */
    private static final int[][] SIZES = {{32, 32}, {12, 44}, {36, 52}};

    static Stream<Arguments> cases() {
        // α = 2 makes γ = −1/8 at 16 tokens: many probabilities clip to 0; ζ = 1.3 lets dominant ones clip to 1.
        AttentionVariant[] variants = {AttentionVariant.clipped(2.0, 1.3), AttentionVariant.gated(0.3)};
        List<Arguments> out = new ArrayList<>();
        for (SwinConfig.Family f : new SwinConfig.Family[] {SwinConfig.Family.V1, SwinConfig.Family.V2}) {
            for (AttentionVariant v : variants) {
                for (SizeRule rule : SizeRule.values()) {
                    for (OnnxExportOptions.Ops ops : OnnxExportOptions.Ops.values()) out.add(Arguments.of(f, v, rule, ops));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void variantGraphsEqualLibtorch(SwinConfig.Family family, AttentionVariant variant, SizeRule rule,
                                    OnnxExportOptions.Ops ops) throws Exception {
        SwinConfig config = SwinOnnxExporterTest.tiny(family, rule).toBuilder().optAttention(variant).build();
        try (SwinTransformer model = OrtRunner.noisyModel(config, 17)) {
            if (variant.hasGate()) assertThat(model.exportView().weights()).containsKey("layers.0.blocks.1.attn.gate.weight");
            OnnxExportOptions base = OnnxExportOptions.defaults(config).withOps(ops)
                    .withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class));
            Onnx.ModelProto dynamic = SwinOnnxExporter.export(model, base.withDynamicSize());
            for (int[] s : SIZES) {
                Onnx.ModelProto fixed = SwinOnnxExporter.export(model, base.withSize(s[0], s[1]));
                assertThat(fixed.getGraph().getNodeList()).as("the variant's ops are in the graph")
                        .anyMatch(n -> n.getOpType().equals(variant.clips() ? "Clip" : "Sigmoid"));
                int batch = s[0] == 12 ? 1 : 2;
                float[] x = OrtRunner.randomImages(batch, 3, s[0], s[1], s[0] * 7L + s[1]);
                Map<String, float[]> expected = OrtRunner.libtorch(model, x, batch, s[0], s[1]);
                for (Onnx.ModelProto graph : List.of(fixed, dynamic)) {
                    String which = (graph == fixed ? "static " : "dynamic ") + s[0] + "x" + s[1] + " ";
                    Map<String, float[]> actual = OrtRunner.ort(graph, x, batch, 3, s[0], s[1]);
                    assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
                    for (String name : expected.keySet()) {
                        Fixtures.assertCloseScaled(which + name, actual.get(name), expected.get(name));
                    }
                }
            }
        }
    }
}
