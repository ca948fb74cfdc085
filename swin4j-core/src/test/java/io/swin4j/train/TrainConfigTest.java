package io.swin4j.train;

import io.swin4j.model.SwinConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainConfigTest {

    @Test
    void defaultsAreTheOfficialRecipe() {
        TrainConfig c = TrainConfig.official();
        assertThat(c.architecture()).isEqualTo(SwinConfig.preset("swin_tiny_patch4_window7_224"));
        assertThat(c.epochs).isEqualTo(300);
        assertThat(c.warmupEpochs).isEqualTo(20);
        assertThat(c.baseLr).isEqualTo(5e-4);
        assertThat(c.warmupLr).isEqualTo(5e-7);
        assertThat(c.minLr).isEqualTo(5e-6);
        assertThat(c.weightDecay).isEqualTo(0.05);
        assertThat(c.clipGrad).isEqualTo(5.0);
        assertThat(c.labelSmoothing).isEqualTo(0.1);
        assertThat(c.mixup).isEqualTo(0.8);
        assertThat(c.cutmix).isEqualTo(1.0);
        assertThat(c.mixupSwitchProb).isEqualTo(0.5);
        assertThat(c.randAugment).isEqualTo("rand-m9-mstd0.5-inc1");
        assertThat(c.reprob).isEqualTo(0.25);
        assertThat(c.scaleMin).isEqualTo(0.08);
        assertThat(c.problems()).containsExactly("data: an image-folder dataset needs its root directory");
        c.data = "/imagenet";
        assertThat(c.problems()).isEmpty();
        TrainConfig ft = TrainConfig.recipe("finetune");
        assertThat(ft.epochs).isEqualTo(30);
        assertThat(ft.baseLr).isEqualTo(2e-5);
        assertThat(ft.weightDecay).isEqualTo(1e-8);
        assertThat(TrainConfig.recipe("fashion-mnist").architecture().imgSize()).isEqualTo(32);
        assertThatThrownBy(() -> TrainConfig.recipe("imagenet-22k")).hasMessageContaining("unknown recipe 'imagenet-22k'")
                .hasMessageContaining("fashion-mnist");
    }

    @Test
    void jsonAndYamlRoundTrip(@TempDir Path dir) throws IOException {
        TrainConfig c = TrainConfig.fashionMnist();
        c.epochs = 7;
        c.mean = new float[] {0.1f, 0.2f, 0.3f};
        c.randAugment = "rand-m7-n1";
        for (String name : new String[] {"c.json", "c.yaml"}) {
            Path f = dir.resolve(name);
            c.write(f);
            TrainConfig back = TrainConfig.read(f);
            assertThat(back.epochs).isEqualTo(7);
            assertThat(back.mean).containsExactly(0.1f, 0.2f, 0.3f);
            assertThat(back.randAugment).isEqualTo("rand-m7-n1");
            assertThat(back.architecture()).isEqualTo(c.architecture());
            assertThat(Files.readString(dir.resolve(name))).isEqualTo(Files.readString(f));
        }
        assertThat(Files.readString(dir.resolve("c.yaml"))).contains("epochs: 7");
    }

    @Test
    void aPartialFileKeepsTheBaseAndUnknownKeysAreErrors(@TempDir Path dir) throws IOException {
        Path yaml = Files.writeString(dir.resolve("run.yml"), "epochs: 3\nbatchSize: 32\nmixup: 0\n");
        TrainConfig c = TrainConfig.read(yaml, TrainConfig.fineTune());
        assertThat(c.epochs).isEqualTo(3);
        assertThat(c.batchSize).isEqualTo(32);
        assertThat(c.mixup).isZero();
        assertThat(c.baseLr).isEqualTo(2e-5);
        Path typo = Files.writeString(dir.resolve("typo.json"), "{\"epoch\": 3}");
        assertThatThrownBy(() -> TrainConfig.read(typo)).isInstanceOf(IOException.class)
                .hasMessageContaining("typo.json").hasMessageContaining("epoch");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"epochs\": ");
        assertThatThrownBy(() -> TrainConfig.read(broken)).isInstanceOf(IOException.class).hasMessageContaining("broken.json");
    }

    @Test
    void validationNamesEveryBadField() {
        TrainConfig c = TrainConfig.official();
        c.epochs = 5;
        c.warmupEpochs = 5;
        c.batchSize = 0;
        c.reprob = 1.5;
        c.scaleMin = 0;
        c.randAugment = "rand-zz";
        c.arch = "swin_huge";
        c.dataset = "imagenet";
        assertThat(c.problems()).hasSize(7).anyMatch(p -> p.startsWith("warmupEpochs must be in [0, epochs)"))
                .anyMatch(p -> p.startsWith("batchSize must be >= 1")).anyMatch(p -> p.startsWith("reprob must be in [0, 1]"))
                .anyMatch(p -> p.contains("scaleMin")).anyMatch(p -> p.startsWith("randAugment:"))
                .anyMatch(p -> p.startsWith("arch:")).anyMatch(p -> p.startsWith("dataset must be"));
        assertThatThrownBy(c::validate).hasMessageStartingWith("invalid training settings:");
    }
}
