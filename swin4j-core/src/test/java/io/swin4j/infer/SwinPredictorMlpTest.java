package io.swin4j.infer;

import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.RgbImage;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.CheckpointReader;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A Swin-MLP predictor classifies, and refuses attention views with a clear error (its blocks have no attention). */
class SwinPredictorMlpTest {

    @Test
    void attentionOfAnMlpModelIsAClearError(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.parity("mlp_official");
        Map<String, HostTensor> official = CheckpointReader.read(dir.resolve("mlp_official.pth")).tensors();
        SwinConfig config = SwinConfig.builder().optName("mlp_fixture").optFamily(SwinConfig.Family.MLP)
                .optImgSize(64).optEmbedDim(6).optDepths(2, 2, 2, 2).optNumHeads(1, 2, 4, 8).optWindowSize(4)
                .optNumClasses(10).optDropPathRate(0).build();
        Path file = tmp.resolve("mlp.safetensors");
        SwinWeights.save(file, ModelCard.ofSource(config, Layout.OFFICIAL), official, "F32");
        byte[] rgb = new byte[80 * 80 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 7);
        RgbImage image = new RgbImage(80, 80, rgb);
        try (SwinPredictor predictor = SwinPredictor.builder(file).optPreset(EvalPreset.hf(64)).build()) {
            assertThat(predictor.config().family()).isEqualTo(SwinConfig.Family.MLP);
            assertThat(predictor.classify(image, 3)).hasSize(3);
            assertThatThrownBy(() -> predictor.attention(image, 0, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no attention maps");
        }
    }
}
