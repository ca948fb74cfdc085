package io.swin4j.train;

import io.swin4j.model.SwinConfig;
import io.swin4j.testing.SyntheticImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training must learn: through the real loop ({@link Trainer#start}, {@link Trainer#run}), a tiny Swin reaches at
 * least 90% validation top-1 on four classes of noisy stripes told apart by orientation (0°, 45°, 90°, 135°;
 * chance is 25%). An optimizer step that does nothing, a gradient of the wrong sign or a broken data path fails it.
 */
class TrainerLearnsTest {

    @Test
    void aTinySwinLearnsStripeOrientations(@TempDir Path tmp) throws IOException {
        Path data = SyntheticImages.imageFolder(tmp.resolve("data"), 4, 24, 25, 28, 7);
        TrainConfig c = TrainConfig.official();
        c.model = SwinConfig.builder().optName("learns_test").optImgSize(28).optPatchSize(4).optEmbedDim(24).optDepths(2)
                .optNumHeads(2).optWindowSize(7).build();
        c.data = data.toString();
        c.epochs = 6; // 48 optimizer steps
        c.warmupEpochs = 1;
        c.batchSize = 12;
        c.baseLr = 0.2; // 4.7e-3 after the batch scaling
        c.minLr = 1e-3;
        c.warmupLr = 1e-3;
        c.dropPath = 0;
        c.mixup = 0;
        c.cutmix = 0;
        c.randAugment = "none";
        c.reprob = 0;
        c.hflip = 0; // a mirror turns 45° stripes into 135° ones
        c.scaleMin = 0.5;
        c.evalEvery = 100; // only after the last epoch
        c.threads = 1; // libtorch threads spin badly when the cores are shared
        c.workers = 1;
        c.seed = 1;
        try (Trainer t = Trainer.start(c, tmp.resolve("run"), null)) {
            assertThat(t.classNames()).hasSize(4);
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
            TrainHistory.Epoch last = t.history().get(t.history().size() - 1);
            assertThat(last.valTop1()).as("validation top-1 after %d epochs (chance 0.25)", c.epochs).isGreaterThanOrEqualTo(0.9);
            assertThat(last.trainLoss()).as("last epoch's training loss (ln 4 = 1.39 at chance)").isLessThan(0.8);
        }
    }
}
