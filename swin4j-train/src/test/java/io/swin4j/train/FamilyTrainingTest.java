package io.swin4j.train;

import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.SyntheticImages;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Swin V2 and Swin-MLP through the training loop: from scratch, then fine-tuned from that run's model to other
 * classes with the patch embedding and stage 0 frozen (what `swin train --arch` and `--init` do for every family).
 */
class FamilyTrainingTest {

    /** A two-stage model of {@code family} at 28 px (patch 2: maps 14 and 7, window 7: one shifted stage). */
    static SwinConfig tiny(SwinConfig.Family family) {
        String preset = family == SwinConfig.Family.V2 ? "swinv2_tiny_patch4_window8_256" : "swin_mlp_tiny_c24_patch4_window8_256";
        return SwinConfig.preset(preset).toBuilder().optName("tiny_" + family).optImgSize(28).optPatchSize(2)
                .optEmbedDim(16).optDepths(2, 2).optNumHeads(1, 2).optWindowSize(7).build();
    }

    @ParameterizedTest
    @EnumSource(value = SwinConfig.Family.class, names = {"V2", "MLP"})
    void trainsFromScratchAndFineTunesWithFrozenStages(SwinConfig.Family family, @TempDir Path tmp) throws IOException {
        Path two = SyntheticImages.imageFolder(tmp.resolve("two"), 2, 8, 2, 28, 1);
        TrainConfig c = TrainConfig.official();
        c.model = tiny(family);
        c.dataset = "folder";
        c.data = two.toString();
        c.epochs = 1;
        c.warmupEpochs = 0;
        c.batchSize = 8;
        c.threads = 1;
        c.workers = 1;
        Path scratch = tmp.resolve("scratch");
        try (Trainer t = Trainer.start(c, scratch, null)) {
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
            assertThat(t.history()).singleElement().satisfies(e -> assertThat(e.trainLoss()).isFinite());
        }
        SwinWeights trained = SwinWeights.load(scratch.resolve(Trainer.MODEL));
        assertThat(trained.family()).isEqualTo(family);
        assertThat(trained.config()).isEqualTo(tiny(family).toBuilder().optNumClasses(2).optDropPathRate(c.dropPath).build());
        assertThat(trained.card().classNames()).hasSize(2);

        Path three = SyntheticImages.imageFolder(tmp.resolve("three"), 3, 4, 2, 28, 2);
        TrainConfig f = TrainConfig.fineTune();
        f.init = scratch.resolve(Trainer.MODEL).toString();
        f.data = three.toString();
        f.freezeStages = 1;
        f.epochs = 1;
        f.warmupEpochs = 0;
        f.batchSize = 4;
        f.baseLr = 1e-2;
        f.threads = 1;
        Path run = tmp.resolve("finetuned");
        try (Trainer t = Trainer.start(f, run, null)) {
            assertThat(t.modelConfig().family()).isEqualTo(family);
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        Map<String, HostTensor> before = trained.tensors(), after = SwinWeights.load(run.resolve(Trainer.MODEL)).tensors();
        assertThat(after.get("head.weight").shape()).containsExactly(3, 32);
        long stem = SwinTransformer.parameterShapes(tiny(family)).keySet().stream()
                .filter(k -> k.startsWith("patch_embed.") || k.startsWith("layers.0.")).count();
        assertThat(TrainerTest.frozenStemAndStage0(before, after)).isEqualTo(stem).isGreaterThan(10);
    }
}
