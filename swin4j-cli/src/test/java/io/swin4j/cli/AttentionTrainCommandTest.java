package io.swin4j.cli;

import io.swin4j.model.AttentionVariant;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.train.TrainConfig;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code swin train --attention}: a vanilla run fine-tuned into gated attention (the new gates initialised, the card
 * saying gated, eval loading it), and the refused combinations as one clear line.
 */
class AttentionTrainCommandTest {

    @Test
    void fineTuningAVanillaRunIntoGatedAttention(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        for (String split : new String[] {"train", "val"}) {
            for (Path p : Samples.all()) {
                Path dir = Files.createDirectories(data.resolve(split).resolve(Samples.trueClass(p)));
                Files.copy(p, dir.resolve("a.png"));
            }
        }
        TrainConfig c = TrainConfig.fashionMnist();
        c.model = SwinConfig.builder().optName("attn_cli").optImgSize(28).optPatchSize(4).optEmbedDim(16).optDepths(2)
                .optNumHeads(2).optWindowSize(7).build();
        Path config = tmp.resolve("tiny.yaml");
        c.write(config);
        List<String> common = List.of("--config", config.toString(), "--dataset", "folder", "--data", data.toString(),
                "--epochs", "1", "--warmup-epochs", "0", "--batch-size", "5", "--threads", "1", "--no-progress");
        Path vanilla = tmp.resolve("vanilla"), gated = tmp.resolve("gated");
        CliRun v = CliRun.of(args(common, "train", "--output", vanilla.toString()));
        assertThat(v.exit()).as(v.err()).isZero();
        CliRun g = CliRun.of(args(common, "train", "--output", gated.toString(), "--init",
                vanilla.resolve("model.safetensors").toString(), "--attention", "gated", "--gate-init", "0.5"));
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(g.err()).contains("no attention gates; new gates initialised (gated(pi_init=0.5))");

        SwinWeights w = SwinWeights.load(gated.resolve("model.safetensors"));
        assertThat(w.config().attention()).isEqualTo(AttentionVariant.gated(0.5));
        HostTensor bias = w.tensors().get("layers.0.blocks.0.attn.gate.bias");
        assertThat(bias).as("the gates are saved").isNotNull();
        assertThat(bias.data()).hasSize(2);
        CliRun e = CliRun.of("eval", "--weights", gated.resolve("model.safetensors").toString(), "--dataset", "folder",
                "--data", data.toString(), "--json");
        assertThat(e.exit()).as(e.err()).isZero();
        assertThat(e.out()).contains("\"top1\"");
    }

    private static String[] args(List<String> common, String... first) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(common);
        return all.toArray(String[]::new);
    }

    @Test
    void refusedCombinationsAreOneClearLine(@TempDir Path dir) {
        String out = dir.resolve("r").toString();
        assertError(CliRun.of("train", "--output", out, "--recipe", "fashion-mnist", "--gate-init", "0.5"),
                "clipAlpha, clipZeta and gateInit need attention");
        assertError(CliRun.of("train", "--output", out, "--recipe", "fashion-mnist", "--attention", "clipped",
                "--clip-zeta", "0.5"), "zeta must be in [1");
        assertError(CliRun.of("train", "--output", out, "--recipe", "fashion-mnist", "--arch",
                "swin_mlp_tiny_c24_patch4_window8_256", "--attention", "gated"), "Swin-MLP family has none");
        assertThat(Files.exists(dir.resolve("r"))).as("no run directory is left behind").isFalse();
    }

    private static void assertError(CliRun r, String expected) {
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains(expected).doesNotContain("\tat ");
    }
}
