package io.swin4j.weights;

import io.swin4j.testing.ParitySets;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * Full-size parity (Swin-T 224 torchvision + official, Swin-B 384 window 12 official) against references that
 * tools/reference/fullsize.sh generates with Debian torch into target/fullsize. Run by {@code -Pfullsize} only.
 */
@Tag("fullsize")
class FullSizeParityTest {

    @TestFactory
    Stream<DynamicTest> fullSizeCheckpointsMatchReferences() {
        return ParitySets.fullSize(meta -> true, (dir, meta) -> {
            SwinWeights w = SwinWeights.load(dir.resolve(meta.get("weights").asText()), LoadOptions.defaults());
            ReferenceParityTest.compareAll(w, dir, meta, true);
            return w.config().name() + " layout=" + w.layout();
        });
    }
}
