package io.swin4j.weights;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.Calibration;
import io.swin4j.model.Precision;
import io.swin4j.model.Quantization;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.quant.RangeMethod;
import io.swin4j.tensor.HostTensor;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.io.CheckpointFormatException;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.swin4j.testing.Forward.logits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The int8 model file: saved and loaded back to the same int8 model, and refused when its int8 parts are broken. */
class Int8WeightsTest {

    static final SwinConfig TINY = SwinConfig.builder().optName("tiny").optImgSize(32).optEmbedDim(16)
            .optDepths(2, 2).optNumHeads(2, 4).optWindowSize(4).optNumClasses(5).optDropPathRate(0).build();
    static final ModelCard CARD = new ModelCard(TINY, Layout.CANONICAL, EvalPreset.hf(32), List.of("a", "b", "c", "d", "e"));

    @BeforeAll
    static void natives() {
        NativeTorch.ensureLoaded();
    }


    /** A static int8 TINY (head included) saved to {@code file}; returns its logits on {@code x}. */
    private static float[] saveStatic(Path file, Tensor x) throws IOException {
        try (SwinTransformer m = SwinTransformer.create(TINY, 7)) {
            Quantization spec = Quantization.calibrated().withHead(true);
            try (Calibration c = m.calibrate(spec)) {
                logits(m, torch.randn(8, 3, 32, 32));
                m.quantize(spec, c.inputParams(RangeMethod.MSE, 0), Map.of());
            }
            Int8Weights.save(file, CARD, m, Map.of("method", "mse"));
            return logits(m, x);
        }
    }

    @Test
    void savedInt8ModelLoadsBackToTheSameInt8Model(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("q.safetensors");
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(3, 3, 32, 32);
            float[] saved = saveStatic(file, x);
            // on disk: I8 weights with F32 scales, I32 zero points, F32 everything else
            Map<String, HostTensor> raw = Safetensors.read(file).tensors();
            assertThat(raw.get("layers.0.blocks.0.attn.qkv.weight").sourceDType()).isEqualTo("I8");
            assertThat(raw.get("head.weight").sourceDType()).isEqualTo("I8");
            assertThat(raw.get("layers.0.blocks.0.attn.qkv.weight_scale").shape()).containsExactly(48);
            assertThat(raw.get("layers.0.blocks.0.attn.qkv.input_zero_point").sourceDType()).isEqualTo("I32");
            assertThat(raw.get("layers.0.blocks.0.attn.qkv.bias").sourceDType()).isEqualTo("F32");
            assertThat(raw.get("patch_embed.proj.weight").sourceDType()).isEqualTo("F32");

            SwinWeights w = SwinWeights.load(file);
            assertThat(w.report().isClean()).as(w.report().toString()).isTrue();
            assertThat(w.card()).isEqualTo(CARD);
            assertThat(w.int8().spec()).isEqualTo(Quantization.calibrated().withHead(true));
            // 4 blocks x (qkv, proj, fc1, fc2) + 1 merge + head
            assertThat(w.describe()).contains("int8        int8 (weights per channel, static activations, head), 18 layers, {method=mse}");
            try (SwinTransformer m = w.createModel()) {
                assertThat(m.precision()).isEqualTo(Precision.INT8);
                assertThat(logits(m, x)).containsExactly(saved);
                // in fp32 the model computes with exactly the dequantized weights: int8 x scale
                m.optPrecision(Precision.FP32);
                HostTensor q = raw.get("layers.1.blocks.1.mlp.fc2.weight");
                float[] s = raw.get("layers.1.blocks.1.mlp.fc2.weight_scale").data();
                HostTensor fp = Tensors.toHost(m.parameters().asMap().get("layers.1.blocks.1.mlp.fc2.weight"));
                int in = (int) q.dim(1);
                for (int i = 0; i < q.data().length; i++) assertThat(fp.data()[i]).isEqualTo(q.data()[i] * s[i / in]);
            }
        }
    }

    @Test
    void brokenInt8PartsAreFormatErrorsNamingTheFile(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("q.safetensors");
        try (PointerScope scope = new PointerScope()) {
            saveStatic(good, torch.randn(1, 3, 32, 32));
        }
        String qkv = "layers.0.blocks.0.attn.qkv";
        assertBroken(dir, good, t -> t.put(qkv + ".weight_scale", HostTensor.of(new float[48], 48)),
                qkv + ".weight_scale holds the scale 0.0 (scales are finite and > 0)");
        assertBroken(dir, good, t -> t.put(qkv + ".weight_scale", HostTensor.of(new float[] {1, 2}, 2)),
                qkv + ".weight_scale has shape [2]; the weight [48, 16] needs [48]");
        assertBroken(dir, good, t -> t.remove(qkv + ".input_zero_point"),
                "static int8 layer " + qkv + " needs one-element " + qkv + ".input_scale and " + qkv + ".input_zero_point");
        assertBroken(dir, good, t -> t.put(qkv + ".input_zero_point", HostTensor.of(new float[] {200}, 1)),
                "input parameters of " + qkv + ": zero point 200 outside [0, 127]");
        assertBroken(dir, good, t -> t.remove(qkv + ".weight_scale"), "int8 tensor " + qkv + ".weight has no .weight_scale");
    }

    private static void assertBroken(Path dir, Path good, Consumer<Map<String, HostTensor>> edit, String message)
            throws IOException {
        Safetensors.Contents c = Safetensors.read(good);
        Map<String, HostTensor> tensors = new LinkedHashMap<>(c.tensors());
        edit.accept(tensors);
        Path bad = dir.resolve("bad.safetensors");
        Safetensors.write(bad, tensors, c.metadata(), name -> tensors.get(name).sourceDType());
        assertThatThrownBy(() -> SwinWeights.load(bad)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining(message);
    }

    @Test
    void unknownFormatOrActivationsInTheMetadataAreRefused(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("q.safetensors");
        try (PointerScope scope = new PointerScope()) {
            saveStatic(good, torch.randn(1, 3, 32, 32));
        }
        Safetensors.Contents c = Safetensors.read(good);
        for (String[] kase : new String[][] {{"{\"format\":2}", "unsupported int8 format 2"},
                {"{\"format\":1,\"activations\":\"fp8\"}", "unknown activation quantization 'fp8'"},
                {"not json", "swin4j.quantization metadata is not JSON"}}) {
            Map<String, String> meta = new LinkedHashMap<>(c.metadata());
            meta.put(Int8Weights.META, kase[0]);
            Path bad = dir.resolve("meta.safetensors");
            Safetensors.write(bad, c.tensors(), meta, name -> c.tensors().get(name).sourceDType());
            assertThatThrownBy(() -> SwinWeights.load(bad)).isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining(bad.toString()).hasMessageContaining(kase[1]);
        }
    }
}
