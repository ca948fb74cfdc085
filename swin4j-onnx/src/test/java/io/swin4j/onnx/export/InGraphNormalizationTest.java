package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.OrtRunner;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A graph exported with in-graph normalisation takes {@code pixels}, uint8 (B, H, W, 3) RGB, and computes what
 * libtorch computes on the eval preset's normalised float input ({@link EvalPreset#normalize}: ToTensor then
 * Normalize) within rel 1e-5, on every output, static and dynamic batch, and dynamic size.
 */
class InGraphNormalizationTest {

    @Test
    void pixelsThroughTheGraphEqualThePresetsFloatInputThroughLibtorch() throws Exception {
        // a non-ImageNet mean/std too, so that a graph ignoring the options' values fails
        EvalPreset imagenet = EvalPreset.official224(32);
        float[][] means = {imagenet.mean(), {0.3f, 0.6f, 0.1f}}, stds = {imagenet.std(), {0.5f, 0.2f, 0.9f}};
        for (SwinConfig.Family family : SwinConfig.Family.values()) {
            SwinConfig config = SwinOnnxExporterTest.tiny(family, SizeRule.OFFICIAL);
            try (SwinTransformer model = OrtRunner.noisyModel(config, 5)) {
                for (int k = 0; k < means.length; k++) {
                    EvalPreset preset = new EvalPreset(imagenet.name(), imagenet.resize(), imagenet.squash(),
                            imagenet.crop(), imagenet.filter(), means[k], stds[k]);
                    int h = 36, w = 52, batch = 2;
                    OnnxExportOptions base = OnnxExportOptions.defaults(config).withSize(h, w)
                            .withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class))
                            .withNormalization(preset.mean(), preset.std());
                    byte[] pixels = new byte[batch * h * w * 3];
                    new Random(k + 31L * family.ordinal()).nextBytes(pixels);
                    float[] images = new float[batch * 3 * h * w];
                    for (int i = 0; i < batch; i++) {
                        byte[] one = new byte[h * w * 3];
                        System.arraycopy(pixels, i * one.length, one, 0, one.length);
                        float[] chw = preset.normalize(new RgbImage(w, h, one));
                        System.arraycopy(chw, 0, images, i * chw.length, chw.length);
                    }
                    Map<String, float[]> expected = OrtRunner.libtorch(model, images, batch, h, w);
                    OnnxExportOptions[] graphs = family == SwinConfig.Family.MLP
                            ? new OnnxExportOptions[] {base, base.withBatch(batch)}
                            : new OnnxExportOptions[] {base, base.withBatch(batch), base.withDynamicSize()};
                    for (OnnxExportOptions o : graphs) {
                        Onnx.ModelProto graph = SwinOnnxExporter.export(model, o);
                        assertThat(graph.getGraph().getInput(0).getName()).isEqualTo("pixels");
                        Map<String, float[]> actual = OrtRunner.ortPixels(graph, pixels, batch, h, w);
                        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
                        for (String name : expected.keySet()) {
                            Fixtures.assertCloseScaled(family + " " + name + " mean/std " + k + " " + o,
                                    actual.get(name), expected.get(name));
                        }
                    }
                }
            }
        }
    }
}
