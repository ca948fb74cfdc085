package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.CheckpointReader;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * One training step of {@link SwinSegmenter} against the official segmentation repository's {@code forward_train}
 * (fixtures/upernet, train mode, dropout 0, drop path 0): both loss terms (decode CE, 0.4 × auxiliary CE, with 255
 * ignored), the gradients of parameters of every kind of module (bounded against the same step in float64 by the
 * float32 reference's own error), and every BatchNorm running statistic after the forward pass.
 */
class UperNetTrainingTest {

    @Test
    void lossesGradientsAndRunningStatisticsMatchTheReference() throws Exception {
        UperNetParityTest.load();
        var meta = UperNetParityTest.meta.get("train");
        HostTensor labels = Fixtures.npy(UperNetParityTest.DIR.resolve("train_labels.npy"));
        int[] ints = new int[labels.data().length];
        for (int i = 0; i < ints.length; i++) ints[i] = (int) labels.data()[i];
        Map<String, HostTensor> grads = CheckpointReader.read(UperNetParityTest.DIR.resolve("train_grads.safetensors")).tensors();
        Map<String, HostTensor> exact =
                CheckpointReader.read(UperNetParityTest.DIR.resolve("train_grads_float64.safetensors")).tensors();
        Map<String, HostTensor> buffers =
                CheckpointReader.read(UperNetParityTest.DIR.resolve("train_buffers.safetensors")).tensors();
        try (SwinSegmenter model = SwinSegmenter.fromWeights(UperNetParityTest.config(0.0), UperNetParityTest.weights,
                false, 0);
             Tensor x = Tensors.fromHost(Fixtures.npy(UperNetParityTest.DIR.resolve("train_input.npy")));
             Tensor y = Tensors.fromInts(ints, labels.shape())) {
            model.train(true);
            model.parameters().requireGrad(true);
            try (SegmentationLoss loss = model.loss(x, y)) {
                double decode = loss.decode().item_float(), aux = loss.auxiliary().item_float();
                System.out.printf("upernet train loss decode %.7f (ref %.7f) aux %.7f (ref %.7f)%n", decode,
                        meta.get("loss_decode").asDouble(), aux, meta.get("loss_aux").asDouble());
                assertThat(decode).isCloseTo(meta.get("loss_decode").asDouble(), within(1e-5 * decode));
                assertThat(aux).isCloseTo(meta.get("loss_aux").asDouble(), within(1e-5 * aux));
                assertThat(loss.value()).isCloseTo(meta.get("loss_total").asDouble(), within(1e-5 * loss.value()));
                loss.total().backward();
            }
            Map<String, HostTensor> ours = model.parameters().gradsToHost();
            assertThat(grads).hasSizeGreaterThan(15);
            // The float32 reference is itself 2e-7..8e-5 off the float64 gradients (most in the backbone and the 1x1
            // pooled branch, whose BatchNorm normalises over 2 values); swin4j must be as close to float64 as a
            // small multiple of that, and never farther than 1e-5 where the reference is exact.
            grads.forEach((name, expected) -> {
                assertThat(ours).as(name).containsKey(name);
                double[] err = Fixtures.assertAsExactAsReference("grad " + name, ours.get(name).data(), expected.data(),
                        exact.get(name).data(), 1e-5, 5);
                System.out.printf("upernet grad %-62s rel to float64 %.2e (float32 reference %.2e), to float32 %.2e%n",
                        name, err[0], err[1], err[2]);
            });
            // buffers are never trained: no gradient, and the forward pass moved them as torch's BatchNorm does
            assertThat(ours.keySet()).noneMatch(k -> k.endsWith("running_mean") || k.endsWith("running_var"));
            Map<String, HostTensor> after = model.parameters().toHost();
            assertThat(buffers).hasSize(2 * 13); // 4 pyramid branches, bottleneck, 3 laterals, 3 FPN, fpn_bottleneck, aux
            buffers.forEach((name, expected) -> {
                assertThat(after.get(name).data()).as(name).isNotEqualTo(UperNetParityTest.weights.get(name).data());
                Fixtures.assertClose("buffer " + name, after.get(name).data(), expected.data());
            });
        }
    }
}
