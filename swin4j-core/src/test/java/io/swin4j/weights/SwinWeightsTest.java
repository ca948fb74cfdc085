package io.swin4j.weights;

import io.swin4j.tensor.HostTensor;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.CanonicalKeys;
import io.swin4j.weights.layout.LoadReport;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SwinWeightsTest {

    private static final Path OFFICIAL = Fixtures.parity("official").resolve("official.pth");

    @Test
    void modelRegistersExactlyTheCanonicalKeys() throws Exception {
        SwinWeights w = SwinWeights.load(OFFICIAL);
        try (SwinTransformer model = w.createModel()) {
            Map<String, long[]> expected = CanonicalKeys.expected(w.config());
            assertThat(model.parameters().asMap().keySet()).containsExactlyElementsOf(expected.keySet());
            model.parameters().asMap().forEach((k, t) -> assertThat(Tensors.shape(t)).as(k).containsExactly(expected.get(k)));
        }
    }

    @Test
    void wrongShapeTensorFailsStrictLoadingWithItsName(@TempDir Path tmp) throws Exception {
        Map<String, HostTensor> tensors = new LinkedHashMap<>(SwinWeights.load(OFFICIAL).tensors());
        tensors.put("layers.1.blocks.0.mlp.fc1.weight", HostTensor.of(new float[96 * 23], 96, 23));
        tensors.remove("norm.bias");
        tensors.put("extra.thing", HostTensor.of(new float[] {1}, 1));
        Path bad = tmp.resolve("bad.safetensors");
        Safetensors.write(bad, tensors, Map.of(), "F32");
        assertThatThrownBy(() -> SwinWeights.load(bad)).isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageContaining("bad.safetensors")
                .hasMessageContaining("layers.1.blocks.0.mlp.fc1.weight: checkpoint [96, 23], model [96, 24]")
                .hasMessageContaining("missing keys (1)").hasMessageContaining("norm.bias")
                .hasMessageContaining("unexpected keys (1)").hasMessageContaining("extra.thing");
        SwinWeights lenient = SwinWeights.load(bad, LoadOptions.defaults().optStrict(false));
        assertThat(lenient.report().isClean()).isFalse();
        try (SwinTransformer model = lenient.createModel()) {
            assertThat(model.parameters().asMap()).containsKey("layers.1.blocks.0.mlp.fc1.weight");
        }
    }

    @Test
    void presetCrossCheckNamesTheDifferences() {
        assertThatThrownBy(() -> SwinWeights.load(OFFICIAL, LoadOptions.defaults().optPreset("swin_tiny_patch4_window7_224")))
                .isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageContaining("does not match preset swin_tiny_patch4_window7_224")
                .hasMessageContaining("embed dim: checkpoint 12, preset 96");
    }

    @Test
    void canonicalSafetensorsRoundTripKeepsConfigAndOutputs(@TempDir Path tmp) throws Exception {
        SwinWeights tv = SwinWeights.load(Fixtures.parity("torchvision").resolve("torchvision.pth"));
        Path out = tmp.resolve("tv.safetensors");
        tv.saveSafetensors(out, "F32");
        SwinWeights back = SwinWeights.load(out);
        assertThat(back.config()).isEqualTo(tv.config());
        HostTensor input = Fixtures.npy(Fixtures.parity("torchvision").resolve("input.npy"));
        try (SwinTransformer a = tv.createModel(); SwinTransformer b = back.createModel();
             Tensor x = Tensors.fromHost(input); SwinOutput oa = a.forward(x); SwinOutput ob = b.forward(x)) {
            assertThat(Tensors.toFloats(ob.logits())).containsExactly(Tensors.toFloats(oa.logits()));
            // and both are torchvision's own logits (a loader defect shared by both sides cannot pass)
            Fixtures.assertClose("round trip", Tensors.toFloats(ob.logits()),
                    Fixtures.npy(Fixtures.parity("torchvision").resolve("logits.npy")).data());
        }
    }

    @Test
    void fp16AndBf16CheckpointsMatchTheirReferenceLogits() throws Exception {
        Path dir = Fixtures.parity("dtypes");
        HostTensor input = Fixtures.npy(dir.resolve(Fixtures.json(dir.resolve("meta.json")).get("input").get("file").asText()));
        for (String dtype : new String[] {"fp16", "bf16"}) {
            SwinWeights w = SwinWeights.load(dir.resolve("official_" + dtype + ".pth"));
            assertThat(w.summary().get("dtypes").toString()).contains(dtype.equals("fp16") ? "F16" : "BF16");
            try (SwinTransformer m = w.createModel(); Tensor x = Tensors.fromHost(input); SwinOutput o = m.forward(x)) {
                Fixtures.assertClose(dtype, Tensors.toFloats(o.logits()), Fixtures.npy(dir.resolve("logits_" + dtype + ".npy")).data());
            }
        }
    }
}
