package io.swin4j.weights;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import io.swin4j.testing.ParitySets;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * Full-size parity (Swin-T 224 torchvision + official, Swin-B 384 window 12 official, torchvision swin_v2_t 256 and
 * the official swinv2_tiny_patch4_window8_256), loaded through the weights loader, against references that
 * tools/reference/fullsize.sh generates with Debian torch into target/fullsize. Run by {@code -Pfullsize} only.
 */
@Tag("fullsize")
class FullSizeParityTest {

    @TestFactory
    Stream<DynamicTest> fullSizeCheckpointsMatchReferences() {
        return ParitySets.fullSize(meta -> true, (dir, meta) -> {
            SwinWeights w = SwinWeights.load(dir.resolve(meta.get("weights").asText()), LoadOptions.defaults());
            try (SwinTransformer model = w.createModel()) {
                ParitySets.forEachOutput(model, dir, meta, o -> {
                    String what = dir.getFileName() + "/" + o.file();
                    JsonNode float64 = o.set().get("outputs").get(o.name()).get("float64_file");
                    if (float64 != null) {
                        // V2 (logit scales near 100): the float32 reference is itself visibly off its float64 run.
                        double[] err = Fixtures.assertAsExactAsReference(what, o.actual(), o.expected().data(),
                                Fixtures.npy(dir.resolve(float64.asText())).data(), 1e-5, 8);
                        System.out.printf("  %-28s %-14s rel %.2e to float64 (reference float32: %.2e; to it: %.2e)%n",
                                dir.getFileName(), o.file(), err[0], err[1], err[2]);
                        return;
                    }
                    double[] err = Fixtures.assertCloseScaled(what, o.actual(), o.expected().data());
                    System.out.printf("  %-28s %-14s rel %.2e  max abs %.2e (largest |value| %.1f)%n", dir.getFileName(),
                            o.file(), err[0], err[1], err[2]);
                });
            }
            return w.config().name() + " layout=" + w.layout();
        });
    }
}
