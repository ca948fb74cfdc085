package io.swin4j.infer;

import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.pipeline.ImageSource;
import io.swin4j.pipeline.Result;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.weights.SwinWeights;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stage-features task: each image's per-stage NCHW maps, batched by the pipeline, equal to the stage features of
 * {@link SwinTransformer#forward} with {@link ForwardOptions#withStageFeatures()} on that image alone (a model of its
 * own, built from the same file).
 */
class StageFeaturesTaskTest {

    private static SwinPredictor predictor;
    private static SwinTransformer reference;

    @BeforeAll
    static void load() throws Exception {
        predictor = SwinPredictor.builder().optBatchSize(2).build();
        reference = SwinWeights.load(BundledModel.path()).createModel();
    }

    @AfterAll
    static void close() {
        predictor.close();
        reference.close();
    }

    static List<Path> samples() throws Exception {
        try (Stream<Path> s = Files.list(Fixtures.root().toAbsolutePath().getParent().resolve("samples"))) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().limit(3).toList();
        }
    }

    @Test
    void eachImagesMapsAreTheModelsStageFeaturesOfThatImage() throws Exception {
        List<Path> images = samples();
        assertThat(images).hasSize(3); // batches of 2 then 1: the post-process slices a batch
        List<Result<StageFeatures>> results = predictor.pipeline(predictor.stageFeaturesTask())
                .run(images.stream().map(ImageSource::file).toList(), null);
        SwinConfig c = predictor.config();
        for (int i = 0; i < images.size(); i++) {
            StageFeatures got = results.get(i).value();
            assertThat(got.stages()).hasSize(c.numStages());
            float[] input = predictor.preset().apply(new ImageDecoder().decode(images.get(i)));
            try (PointerScope scope = new PointerScope()) {
                Tensor x = Tensors.fromFloats(input, 1, 3, predictor.preset().height(), predictor.preset().width());
                try (SwinOutput out = reference.forward(x, ForwardOptions.withStageFeatures())) {
                    long side = (predictor.preset().height() + c.patchSize() - 1) / c.patchSize();
                    for (int s = 0; s < c.numStages(); s++) {
                        HostTensor want = Tensors.toHost(out.stageFeatures().get(s));
                        HostTensor mine = got.stage(s);
                        assertThat(mine.shape()).as("stage %d", s).containsExactly(want.shape());
                        assertThat(mine.shape()).as("stage %d is NCHW", s).containsExactly(1, c.stageDim(s), side, side);
                        Fixtures.assertClose(images.get(i).getFileName() + " stage " + s, mine.data(), want.data());
                        side = (side + 1) / 2;
                    }
                }
            }
        }
    }
}
