package io.swin4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.swin4j.weights.io.HostileCheckpoints;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `swin inspect` on the hostile checkpoints of issue 18 (made by core's generator), in the small-heap JVM: exit 1
 * (unreadable) and one line naming the file and the reason, where it used to run out of memory or print "swin inspect: -5".
 */
@Tag("hostile")
class InspectHostileTest {

    @TempDir
    Path tmp;

    private void refused(Path file, String reason) {
        CliRun r = CliRun.of("inspect", file.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(file + ": ").contains(reason);
    }

    @Test
    void expandedViewsOfTwoHundredMillionElements() throws Exception {
        refused(HostileCheckpoints.expandedViews(tmp.resolve("expanded.pth"), 200_000_000L, 4), "maxExpandedBytes");
    }

    @Test
    void aZipBombThatLiesAboutItsSize() throws Exception {
        refused(HostileCheckpoints.zipBomb(tmp.resolve("bomb.pth"), 300L << 20, true), "zip bomb");
    }

    @Test
    void aNegativeAndAHugePickleLength() throws Exception {
        // BINSTRING's length is signed (BINBYTES' is not: -5 reads as 4294967291)
        refused(HostileCheckpoints.lengthPrefixed(tmp.resolve("neg.pth"), 84, 4, -5, 13),
                "refused pickle opcode 84 declaring -5 bytes with 13 left in the pickle");
        refused(HostileCheckpoints.lengthPrefixed(tmp.resolve("huge.pth"), 66, 4, Integer.MAX_VALUE, 13),
                "refused pickle opcode 66 declaring 2147483647 bytes");
    }

    @Test
    void anOverflowingStrideAndABadSafetensors() throws Exception {
        refused(HostileCheckpoints.overflowingStride(tmp.resolve("stride.pth")), "overflows 64 bits");
        refused(HostileCheckpoints.safetensorsTrailing(tmp.resolve("trailing.safetensors"), 3), "trailing bytes");
    }
}
