package io.swin4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.model.SwinConfig;
import io.swin4j.testing.SyntheticImages;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The training loop end to end on a small synthetic image folder: resume identity, divergence, fine-tuning. */
class TrainerTest {

    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void images() throws IOException {
        // 2 classes × 12 training images, batch 8: 3 batches per epoch.
        data = SyntheticImages.imageFolder(shared.resolve("data"), 2, 12, 4, 28, 1);
    }

    /** A tiny Swin with two stages (a shifted-window stage and a merged one) and every augmentation switched on. */
    static TrainConfig config() {
        return config(data);
    }

    /** The same settings over another image folder (the crash test's child JVMs build theirs). */
    static TrainConfig config(Path data) {
        TrainConfig c = TrainConfig.official();
        c.model = SwinConfig.builder().optName("tiny_test").optImgSize(28).optPatchSize(2).optEmbedDim(16).optDepths(2, 2)
                .optNumHeads(1, 2).optWindowSize(7).build();
        c.dataset = "folder";
        c.data = data.toString();
        c.epochs = 2;
        c.warmupEpochs = 1;
        c.batchSize = 8;
        c.baseLr = 5e-3;
        c.dropPath = 0.1;
        c.ema = true;
        c.emaDecay = 0.9;
        c.threads = 1;
        c.workers = 2;
        c.seed = 42;
        return c; // official Mixup/CutMix, RandAugment, RRC, erasing
    }

    static Trainer.Listener listener(Consumer<Trainer.StepInfo> onStep, Consumer<TrainHistory.Epoch> onEpoch) {
        return new Trainer.Listener() {
            @Override public void step(Trainer.StepInfo step) { onStep.accept(step); }
            @Override public void epoch(TrainHistory.Epoch epoch) { onEpoch.accept(epoch); }
        };
    }

    static Map<String, HostTensor> weights(Path file) throws IOException {
        return Safetensors.read(file).tensors();
    }

    static List<String> stepLines(Path run) throws IOException {
        return Files.readAllLines(run.resolve(Trainer.METRICS_JSONL)).stream().filter(l -> l.contains("\"step\"")).toList();
    }

    static Path straight;

    static synchronized Path straightRun() throws IOException {
        if (straight == null) {
            straight = shared.resolve("straight");
            try (Trainer t = Trainer.start(config(), straight, null)) {
                assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
                assertThat(t.history()).hasSize(2);
            }
        }
        return straight;
    }

    private static void assertSameRun(Path resumed) throws IOException {
        Path a = straightRun();
        assertThat(weights(resumed.resolve(Trainer.MODEL))).isEqualTo(weights(a.resolve(Trainer.MODEL)));
        Path ckA = a.resolve("checkpoints/epoch0002-batch000000"), ckB = resumed.resolve("checkpoints/epoch0002-batch000000");
        assertThat(weights(ckB.resolve("ema.safetensors"))).isEqualTo(weights(ckA.resolve("ema.safetensors")));
        assertThat(stepLines(resumed)).isEqualTo(stepLines(a)).hasSize(6);
        assertThat(Files.readAllLines(resumed.resolve(Trainer.METRICS_CSV))).hasSize(3);
    }

    @Test
    void stopAfterAnEpochAndResumeEqualsTheUninterruptedRun(@TempDir Path run) throws IOException {
        Trainer[] holder = new Trainer[1];
        try (Trainer t = Trainer.start(config(), run, listener(s -> {}, e -> holder[0].requestStop()))) {
            holder[0] = t;
            assertThat(t.run()).isEqualTo(Trainer.Outcome.STOPPED);
            assertThat(t.completedEpochs()).isEqualTo(1);
        }
        assertThat(Files.readString(run.resolve("checkpoints/latest.json"))).contains("epoch0001-batch000000");
        try (Trainer t = Trainer.resume(run, null)) {
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        assertSameRun(run);
    }

    @Test
    void stopInTheMiddleOfAnEpochAndResumeEqualsTheUninterruptedRun(@TempDir Path run) throws IOException {
        Trainer[] holder = new Trainer[1];
        try (Trainer t = Trainer.start(config(), run, listener(s -> {
            if (s.epoch() == 0 && s.batch() == 1) holder[0].requestStop();
        }, e -> {}))) {
            holder[0] = t;
            assertThat(t.run()).isEqualTo(Trainer.Outcome.STOPPED);
        }
        assertThat(Files.readString(run.resolve("checkpoints/latest.json"))).contains("epoch0000-batch000002");
        assertThat(stepLines(run)).hasSize(2);
        try (Trainer t = Trainer.resume(run, null)) {
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        assertSameRun(run);
    }

    @Test
    void aDivergingLossStopsTheRunAndKeepsTheLastGoodCheckpoint(@TempDir Path run) throws IOException {
        Trainer[] holder = new Trainer[1];
        try (Trainer t = Trainer.start(config(), run, listener(s -> {}, e -> holder[0].requestStop()))) {
            holder[0] = t;
            t.run();
        }
        Path good = run.resolve("checkpoints/epoch0001-batch000000");
        Map<String, HostTensor> goodWeights = weights(good.resolve(Trainer.MODEL));
        // The saved settings are what a resume uses: make the second epoch blow up.
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(run.resolve(Trainer.CONFIG_FILE).toFile());
        cfg.put("baseLr", 1e30);
        cfg.put("clipGrad", 0.0);
        json.writeValue(run.resolve(Trainer.CONFIG_FILE).toFile(), cfg);
        try (Trainer t = Trainer.resume(run, null)) {
            assertThatThrownBy(t::run).isInstanceOf(Trainer.DivergedException.class)
                    .hasMessageContaining("the loss became").hasMessageContaining("epoch 2")
                    .hasMessageContaining("last good checkpoint is kept");
        }
        assertThat(Files.readString(run.resolve("checkpoints/latest.json"))).contains("epoch0001-batch000000");
        assertThat(weights(good.resolve(Trainer.MODEL))).isEqualTo(goodWeights);
    }

    @Test
    void fineTuningReplacesTheHeadAndFreezesStages(@TempDir Path tmp) throws IOException {
        Path base = straightRun().resolve(Trainer.MODEL);
        Path three = SyntheticImages.imageFolder(tmp.resolve("three"), 3, 4, 2, 28, 2);
        TrainConfig c = TrainConfig.fineTune();
        c.init = base.toString();
        c.data = three.toString();
        c.freezeStages = 1;
        c.epochs = 1;
        c.warmupEpochs = 0;
        c.batchSize = 4;
        c.baseLr = 1e-2;
        c.threads = 1;
        List<String> messages = new ArrayList<>();
        Path run = tmp.resolve("run");
        try (Trainer t = Trainer.start(c, run, new Trainer.Listener() {
            @Override public void message(String m) { messages.add(m); }
        })) {
            assertThat(t.modelConfig().numClasses()).isEqualTo(3);
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        assertThat(messages).anyMatch(m -> m.contains("its head has 2 classes, the data 3") && m.contains("old head is dropped"));
        // The official fine-tuning freeze of stage 0, written out: the patch embedding (and absolute_pos_embed, absent
        // here) and every tensor of layers.0, its patch merging included: 4 + 2 blocks × 13 + 3 = 33 tensors.
        Map<String, HostTensor> before = weights(base), after = SwinWeights.load(run.resolve(Trainer.MODEL)).tensors();
        assertThat(after.get("head.weight").shape()).containsExactly(3, 32);
        // Everything else trains (stage 1's blocks and the final norm): each tensor moved.
        assertThat(frozenStemAndStage0(before, after)).isEqualTo(33);
        assertThat(after).hasSize(33 + 2 * 13 + 2 + 2);
        assertThat(messages).anyMatch(m -> m.startsWith("frozen: patch embedding and stages 0..0 (33 tensors)"));
    }

    @Test
    void aRunDirectoryIsNotOverwritten() throws IOException {
        Path run = straightRun();
        assertThatThrownBy(() -> Trainer.start(config(), run, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already holds a run").hasMessageContaining("--resume");
    }

    @Test
    void resumingSomethingThatIsNotARunSaysSo(@TempDir Path empty) {
        assertThatThrownBy(() -> Trainer.resume(empty, null)).hasMessageContaining("not a run directory");
    }

    /**
     * Asserts a one-stage freeze, written out: the patch embedding and every tensor under layers.0 (its merge included)
     * kept their values, and every other tensor but the head moved. Returns how many were frozen.
     */
    static int frozenStemAndStage0(Map<String, HostTensor> before, Map<String, HostTensor> after) {
        int frozen = 0;
        List<String> unmoved = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : after.entrySet()) {
            if (e.getKey().startsWith("head.")) continue;
            boolean same = e.getValue().equals(before.get(e.getKey()));
            if (e.getKey().startsWith("patch_embed.") || e.getKey().startsWith("layers.0.")) {
                assertThat(same).as("%s is frozen", e.getKey()).isTrue();
                frozen++;
            } else if (same) {
                unmoved.add(e.getKey());
            }
        }
        assertThat(unmoved).as("trainable tensors that did not move").isEmpty();
        return frozen;
    }
}
