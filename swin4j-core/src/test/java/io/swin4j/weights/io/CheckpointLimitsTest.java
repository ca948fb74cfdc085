package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The byte-count syntax of {@code -Dswin4j.checkpoint.maxTotalBytes} and the record's withers. */
class CheckpointLimitsTest {

    @Test
    void parsesPlainAndBinaryUnitCounts() {
        assertEquals(123L, CheckpointLimits.parseBytes("123"));
        assertEquals(1L, CheckpointLimits.parseBytes("1"));
        assertEquals(64L * 1024, CheckpointLimits.parseBytes("64k"));
        assertEquals(512L * 1024 * 1024, CheckpointLimits.parseBytes("512M"));
        assertEquals(16L * 1024 * 1024 * 1024, CheckpointLimits.parseBytes(" 16g "));
    }

    @Test
    void largestCountThatFitsALongIsAcceptedAndOnePastItRefused() {
        long maxGiB = Long.MAX_VALUE / (1L << 30); // v * 2^30 <= Long.MAX_VALUE
        assertEquals(maxGiB * (1L << 30), CheckpointLimits.parseBytes(maxGiB + "g"));
        assertRefused((maxGiB + 1) + "g");
        long maxKiB = Long.MAX_VALUE / 1024;
        assertEquals(maxKiB * 1024, CheckpointLimits.parseBytes(maxKiB + "k"));
        assertRefused((maxKiB + 1) + "k");
        assertEquals(Long.MAX_VALUE, CheckpointLimits.parseBytes(Long.toString(Long.MAX_VALUE)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0k", "-1", "-5g", "", "   ", "k", "g", "abc", "1.5g", "16t", "99999999999999999999"})
    void refusesAnythingButAPositiveCount(String s) {
        assertRefused(s);
    }

    private static void assertRefused(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckpointLimits.parseBytes(s));
        assertEquals("swin4j.checkpoint.maxTotalBytes: '" + s + "' is not a positive byte count (e.g. 16g)", e.getMessage());
    }

    @Test
    void defaultsHonourTheTotalPropertyAndIgnoreABlankOne() {
        String before = System.getProperty(CheckpointLimits.TOTAL_PROPERTY);
        try {
            System.clearProperty(CheckpointLimits.TOTAL_PROPERTY);
            assertEquals(8L << 30, CheckpointLimits.defaults().maxTotalBytes());
            System.setProperty(CheckpointLimits.TOTAL_PROPERTY, "  ");
            assertEquals(8L << 30, CheckpointLimits.defaults().maxTotalBytes());
            System.setProperty(CheckpointLimits.TOTAL_PROPERTY, "3m");
            CheckpointLimits d = CheckpointLimits.defaults();
            assertEquals(3L << 20, d.maxTotalBytes());
            assertEquals(64L << 20, d.maxPickleBytes(), "other limits keep their defaults");
        } finally {
            if (before == null) System.clearProperty(CheckpointLimits.TOTAL_PROPERTY);
            else System.setProperty(CheckpointLimits.TOTAL_PROPERTY, before);
        }
    }

    @Test
    void eachWitherChangesOnlyItsOwnLimit() {
        CheckpointLimits base = new CheckpointLimits(1, 2, 0.5, 3, 4, 5, 6);
        assertEquals(new CheckpointLimits(11, 2, 0.5, 3, 4, 5, 6), base.withMaxEntryBytes(11));
        assertEquals(new CheckpointLimits(1, 12, 0.5, 3, 4, 5, 6), base.withMaxTotalBytes(12));
        assertEquals(new CheckpointLimits(1, 2, 0.25, 3, 4, 5, 6), base.withMinInflateRatio(0.25));
        assertEquals(new CheckpointLimits(1, 2, 0.5, 13, 4, 5, 6), base.withMaxPickleBytes(13));
        assertEquals(new CheckpointLimits(1, 2, 0.5, 3, 14, 5, 6), base.withMaxPickleOps(14));
        assertEquals(new CheckpointLimits(1, 2, 0.5, 3, 4, 15, 6), base.withMaxExpandedBytes(15));
        assertEquals(new CheckpointLimits(1, 2, 0.5, 3, 4, 5, 16), base.withMaxHeaderBytes(16));
    }
}
