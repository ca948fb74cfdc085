package io.swin4j.geometry;

import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.CheckpointReader;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Swin V2's log-spaced relative coordinates equal the official {@code relative_coords_table} buffers (read from the
 * official V2 checkpoint fixture) and the formula written out here. Pure Java: no libtorch.
 */
class RelativeCoordinatesTest {

    /** The official formula, in double: offset / divisor · 8, then sign·log2(|x|+1)/log2(8). */
    private static double expected(int offset, int divisor) {
        double x = (double) offset / divisor * 8;
        return Math.signum(x) * (Math.log(Math.abs(x) + 1) / Math.log(2)) / 3;
    }

    private static void assertFormula(float[] table, int window, int divisor) {
        int side = 2 * window - 1;
        assertThat(table).hasSize(side * side * 2);
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                int row = i * side + j;
                assertThat((double) table[2 * row]).as("row %d dh", row)
                        .isCloseTo(expected(i - (window - 1), divisor), within(1e-6));
                assertThat((double) table[2 * row + 1]).as("row %d dw", row)
                        .isCloseTo(expected(j - (window - 1), divisor), within(1e-6));
            }
        }
    }

    @Test
    void equalsEveryOfficialBufferOfTheV2Checkpoint() throws Exception {
        Map<String, HostTensor> tensors = CheckpointReader.read(
                Fixtures.parity("v2_official").resolve("v2_official.pth")).tensors();
        int checked = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            if (!e.getKey().endsWith(".relative_coords_table")) continue;
            HostTensor buffer = e.getValue();
            // (1, 2M−1, 2M−1, 2): the windows 4, 4, 4, 2 of the fixture's stages, no pretrained window
            assertThat(buffer.shape()).hasSize(4);
            int window = (int) (buffer.dim(1) + 1) / 2;
            float[] ours = RelativeCoordinates.logSpacedTable(window, window, 0);
            assertThat(ours).hasSameSizeAs(buffer.data());
            for (int i = 0; i < ours.length; i++) {
                assertThat(ours[i]).as(e.getKey() + "[" + i + "]").isCloseTo(buffer.data()[i], within(1e-6f));
            }
            checked++;
        }
        assertThat(checked).isEqualTo(8);
    }

    @Test
    void dividesByTheTableWindowWithoutPretrainedWindow() {
        assertFormula(RelativeCoordinates.logSpacedTable(8, 8, 0), 8, 7);
        // the extremes are ±log2(9)/3
        float[] t = RelativeCoordinates.logSpacedTable(8, 8, 0);
        assertThat((double) t[0]).isCloseTo(-Math.log(9) / Math.log(2) / 3, within(1e-6));
    }

    @Test
    void dividesByThePretrainedWindowWhenTheStageHasOne() {
        // window 16 fine-tuned from window 12: offsets up to ±15 divided by 11, beyond ±8 before the log
        assertFormula(RelativeCoordinates.logSpacedTable(16, 16, 12), 16, 11);
        assertFormula(RelativeCoordinates.logSpacedTable(4, 4, 2), 4, 1);
    }

    @Test
    void aSmallerRuntimeWindowTakesTheSubRangeOfTheTableWindowsCoordinates() {
        // a 3×3 window of a block built with M = 8: offsets ±2 normalised by M − 1 = 7, not by 3 − 1
        float[] sub = RelativeCoordinates.logSpacedTable(3, 8, 0);
        assertFormula(sub, 3, 7);
        // and it is exactly the centre 5×5 of the full 15×15 table
        float[] full = RelativeCoordinates.logSpacedTable(8, 8, 0);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                int fullRow = (i + 5) * 15 + (j + 5), subRow = i * 5 + j;
                assertThat(sub[2 * subRow]).isEqualTo(full[2 * fullRow]);
                assertThat(sub[2 * subRow + 1]).isEqualTo(full[2 * fullRow + 1]);
            }
        }
        // with a pretrained window the pretrained divisor still applies
        assertFormula(RelativeCoordinates.logSpacedTable(2, 8, 6), 2, 5);
    }

    @Test
    void aOneByOneTableIsTheSingleOffsetZero() {
        // the official code divides 0 by M − 1 = 0 (NaN) here
        assertThat(RelativeCoordinates.logSpacedTable(1, 1, 0)).containsExactly(0f, 0f);
    }

    @Test
    void rejectsWindowsLargerThanTheTable() {
        assertThatThrownBy(() -> RelativeCoordinates.logSpacedTable(5, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelativeCoordinates.logSpacedTable(4, 4, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
