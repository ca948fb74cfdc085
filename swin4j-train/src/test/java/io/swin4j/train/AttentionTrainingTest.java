package io.swin4j.train;

import io.swin4j.model.AttentionVariant;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The attention keys of a training config, and the optimizer's decay groups of a gated model. */
class AttentionTrainingTest {

    @Test
    void configFileKeysChooseTheVariant(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("run.yml"), "attention: gated\ngateInit: 0.5\n");
        TrainConfig c = TrainConfig.read(yaml, TrainConfig.fashionMnist());
        assertThat(c.problems()).isEmpty();
        assertThat(c.withAttention(c.architecture()).attention()).isEqualTo(AttentionVariant.gated(0.5));
        Path clipped = Files.writeString(dir.resolve("clip.json"), "{\"attention\": \"clipped\", \"clipZeta\": 1.1}");
        TrainConfig k = TrainConfig.read(clipped, TrainConfig.fashionMnist());
        assertThat(k.withAttention(k.architecture()).attention())
                .isEqualTo(AttentionVariant.clipped(AttentionVariant.DEFAULT_ALPHA, 1.1));
        // written and read back: the same settings
        Path out = dir.resolve("written.yml");
        c.write(out);
        assertThat(TrainConfig.read(out, TrainConfig.official()).attentionVariant()).isEqualTo(AttentionVariant.gated(0.5));
        TrainConfig none = TrainConfig.fashionMnist();
        assertThat(none.withAttention(none.architecture())).as("no key keeps the model's own")
                .isEqualTo(none.architecture());
    }

    @Test
    void misplacedParametersAreNamed() {
        TrainConfig c = TrainConfig.fashionMnist();
        c.gateInit = 0.5;
        assertThat(c.problems()).anyMatch(p -> p.startsWith("attention: ") && p.contains("need attention"));
        c.attention = "clipped";
        assertThat(c.problems()).anyMatch(p -> p.contains("gateInit applies to gated attention"));
        c.gateInit = null;
        c.attention = "gated";
        c.clipAlpha = 3.0;
        assertThat(c.problems()).anyMatch(p -> p.contains("clipAlpha and clipZeta apply to clipped attention"));
        c.clipAlpha = null;
        c.attention = "softmax1";
        assertThat(c.problems()).anyMatch(p -> p.contains("unknown attention variant 'softmax1'"));
    }

    @Test
    void theOptimizerDoesNotDecayTheGates() {
        SwinConfig gated = TrainConfig.fashionMnistModel().toBuilder().optAttention(AttentionVariant.gated()).build();
        try (SwinTransformer m = SwinTransformer.create(gated, 0)) {
            SwinOptimizer opt = new SwinOptimizer(m.parameters(), 1e-3, 0.05);
            assertThat(opt.undecayedParameters()).contains("layers.0.blocks.0.attn.gate.weight",
                    "layers.1.blocks.1.attn.gate.weight", "layers.1.blocks.1.attn.gate.bias");
            assertThat(opt.decayedParameters()).noneMatch(n -> n.contains(".gate."))
                    .contains("layers.0.blocks.0.attn.qkv.weight");
        }
    }
}
