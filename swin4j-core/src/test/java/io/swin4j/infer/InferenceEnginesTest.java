package io.swin4j.infer;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Engine discovery with core alone on the class path: libtorch is the only engine, an unknown (or absent) name lists
 * what is available, and the libtorch engine returns the model's own outputs.
 */
class InferenceEnginesTest {

    static final SwinConfig TINY = SwinConfig.builder().optName("tiny").optImgSize(32).optEmbedDim(12)
            .optDepths(2, 2).optNumHeads(1, 2).optWindowSize(4).optNumClasses(5).optDropPathRate(0).build();

    @BeforeAll
    static void natives() {
        NativeTorch.ensureLoaded();
    }

    @Test
    void absentOrUnknownEnginesListTheAvailableOnes() {
        assertThat(InferenceEngines.available()).containsExactly("libtorch");
        assertThatThrownBy(() -> InferenceEngines.open("onnxruntime", SwinTransformer.create(TINY, 1), 32, 32, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown inference engine 'onnxruntime'; available: libtorch")
                .hasMessageContaining("needs swin4j-onnx on the class path");
        assertThatThrownBy(() -> InferenceEngines.open("tvm", SwinTransformer.create(TINY, 1), 32, 32, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown inference engine 'tvm'; available: libtorch");
    }

    @Test
    void libtorchEngineReturnsTheModelsOwnOutputs() {
        int n = 2, h = TINY.imgSize(), w = TINY.imgSize();
        float[] images = new float[n * 3 * h * w];
        Random r = new Random(3);
        for (int i = 0; i < images.length; i++) images[i] = (float) r.nextGaussian();
        try (SwinTransformer reference = SwinTransformer.create(TINY, 7);
             InferenceEngine engine = InferenceEngines.open("libtorch", SwinTransformer.create(TINY, 7), h, w, 1);
             PointerScope scope = new PointerScope()) {
            InferenceEngine.Outputs out = engine.run(io.swin4j.tensor.HostTensor.of(images, n, 3, h, w), new InferenceEngine.Want(true, true, true));
            try (SwinOutput want = reference.forward(Tensors.fromFloats(images, n, 3, h, w),
                    ForwardOptions.withStageFeatures())) {
                assertThat(engine.name()).isEqualTo("libtorch");
                assertThat(out.probabilities().data()).containsExactly(Tensors.toFloats(want.logits().softmax(-1)));
                assertThat(out.embeddings().data()).containsExactly(Tensors.toFloats(want.embedding()));
                assertThat(out.stageFeatures()).hasSize(want.stageFeatures().size());
                for (int s = 0; s < out.stageFeatures().size(); s++) {
                    assertThat(out.stageFeatures().get(s).data())
                            .containsExactly(Tensors.toFloats(want.stageFeatures().get(s)));
                }
            }
            InferenceEngine.Outputs bare = engine.run(io.swin4j.tensor.HostTensor.of(images, n, 3, h, w), new InferenceEngine.Want(false, true, false));
            assertThat(bare.probabilities()).isNull();
            assertThat(bare.stageFeatures()).isEmpty();
        }
    }
}
