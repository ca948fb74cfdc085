package io.swin4j.infer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The top-k of a probability row against its definition: class i ranks before class j iff p_i > p_j, or p_i = p_j and
 * i < j; top-k is the first min(k, n) classes of that ranking, each with its own probability and label.
 */
class TopKTest {

    /** Rank of class i by the definition, counted directly (no sorting). */
    private static int rank(float[] p, int i) {
        int r = 0;
        for (int j = 0; j < p.length; j++) if (p[j] > p[i] || (p[j] == p[i] && j < i)) r++;
        return r;
    }

    @Test
    void handWorkedRowMostProbableFirstTiesByLowerIndex() {
        float[] p = {0.1f, 0.4f, 0.05f, 0.4f, 0.05f};
        Labels labels = Labels.of(List.of("a", "b", "c", "d", "e"), "test");
        List<Prediction> top = TopK.of(p, 4, labels);
        assertThat(top).containsExactly(new Prediction(1, "b", 0.4f), new Prediction(3, "d", 0.4f),
                new Prediction(0, "a", 0.1f), new Prediction(2, "c", 0.05f));
    }

    @Test
    void randomRowsAgreeWithTheRankDefinition() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int t = 0; t < 50; t++) {
            int n = 1 + rng.nextInt(40);
            float[] p = new float[n];
            // few distinct values, so ties are common
            for (int i = 0; i < n; i++) p[i] = rng.nextInt(6) / 8f;
            int k = rng.nextInt(n + 3);
            List<Prediction> top = TopK.of(p, k, Labels.numbered(n));
            assertThat(top).hasSize(Math.min(k, n));
            for (int r = 0; r < top.size(); r++) {
                Prediction pr = top.get(r);
                assertThat(rank(p, pr.index())).as("rank of class %d", pr.index()).isEqualTo(r);
                assertThat(pr.probability()).isEqualTo(p[pr.index()]);
                assertThat(pr.label()).isEqualTo("class_" + pr.index());
            }
        }
    }

    @Test
    void kBeyondTheRowGivesEveryClassAndZeroGivesNone() {
        float[] p = {0.2f, 0.7f, 0.1f};
        assertThat(TopK.of(p, 10, Labels.numbered(3))).extracting(Prediction::index).containsExactly(1, 0, 2);
        assertThat(TopK.of(p, 0, Labels.numbered(3))).isEmpty();
        assertThat(TopK.of(p, 1, Labels.numbered(3))).extracting(Prediction::index).containsExactly(1);
    }

    @Test
    void classesBeyondTheLabelListAreNumbered() {
        float[] p = {0.1f, 0.2f, 0.7f};
        assertThat(TopK.of(p, 3, Labels.of(List.of("x"), "short list"))).extracting(Prediction::label)
                .containsExactly("class_2", "class_1", "x");
    }
}
