package io.swin4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@link PillowResize}'s array-size guard: the output (width·height·3 bytes) and the horizontal pass's intermediate
 * (width·in.height·3 bytes) must each fit one Java array, at most Integer.MAX_VALUE − 8 = 2 147 483 639 bytes.
 * 26755² · 3 = 2 147 490 075 is past it; 26754 · 26755 · 3 = 2 147 409 810 is within it.
 */
class PillowResizeLimitsTest {

    private static String refused(RgbImage in, int w, int h) {
        return assertThrows(IllegalArgumentException.class, () -> PillowResize.resize(in, w, h, PillowResize.Filter.BILINEAR))
                .getMessage();
    }

    @Test
    void outputTooLargeForOneArrayIsRefusedBeforeAllocating() {
        RgbImage one = new RgbImage(1, 1, new byte[3]);
        assertEquals("resize of 1x1 to 26755x26755 is too large for one RGB array", refused(one, 26755, 26755));
    }

    @Test
    void intermediateTooLargeForOneArrayIsRefused() {
        // 1×26755 to 26755×1: the output is one row, but the horizontal pass first makes 26755×26755
        RgbImage column = new RgbImage(1, 26755, new byte[3 * 26755]);
        assertEquals("resize of 1x26755 to 26755x1 is too large for one RGB array", refused(column, 26755, 1));
    }

    @Test
    void nonPositiveTargetsAreRefused() {
        RgbImage one = new RgbImage(1, 1, new byte[3]);
        assertEquals("target size must be positive: 0x1", refused(one, 0, 1));
        assertEquals("target size must be positive: 1x0", refused(one, 1, 0));
    }

    @Test
    void aLargeButFittingResizePasses() {
        // 4096 × 1 from 1 × 1: 3 · 4096 bytes out, 3 · 4096 · 1 in the horizontal pass
        RgbImage one = new RgbImage(1, 1, new byte[] {10, 20, 30});
        RgbImage out = PillowResize.resize(one, 4096, 1, PillowResize.Filter.BILINEAR);
        assertEquals(4096, out.width());
        // every output pixel sees only the one input pixel, whose normalised weight is 1
        assertEquals(30, out.rgb()[3 * 4095 + 2]);
    }
}
