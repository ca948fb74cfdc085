package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * State-dict keys are kept whole whatever their length (only non-string keys are summarised), and the note listing
 * ignored non-tensor entries names at most {@link Summary#MAX_ELEMENTS} (8) of them, then "...".
 */
class CheckpointKeysTest {

    @TempDir Path dir;

    private static byte[] tensor() {
        byte[] b = new PickleWriter().tensor("0", 1, 0, new int[]{1}, new int[]{1}).bytes();
        return Arrays.copyOfRange(b, 2, b.length); // without PROTO
    }

    @Test
    void aLongKeyIsKeptWhole() throws IOException {
        String key = "layers.3.blocks.17.attn." + "x".repeat(100) + ".relative_position_bias_table";
        byte[] pickle = new PickleWriter().raw("}").str(key).bytes(tensor()).raw("s.").bytes();
        Path f = HostileCheckpoints.torchZip(dir.resolve("k.pth"), pickle, PickleWriter.floats(1));
        assertEquals(Set.of(key), CheckpointReader.read(f).tensors().keySet());
    }

    @Test
    void ignoredEntriesAreListedUpToEight() throws IOException {
        assertEquals("non-tensor entries ignored: [e0, e1, e2, e3, e4, e5, e6, e7]", ignoredNote(8));
        assertEquals("non-tensor entries ignored: [e0, e1, e2, e3, e4, e5, e6, e7, ...]", ignoredNote(9));
        assertEquals("non-tensor entries ignored: [e0, e1, e2, e3, e4, e5, e6, e7, ...]", ignoredNote(12));
    }

    private String ignoredNote(int extra) throws IOException {
        PickleWriter p = new PickleWriter().raw("}").str("w").bytes(tensor()).raw("s");
        for (int i = 0; i < extra; i++) p.str("e" + i).integer(i).raw("s");
        Path f = HostileCheckpoints.torchZip(dir.resolve("n" + extra + ".pth"), p.raw(".").bytes(), PickleWriter.floats(1));
        List<String> notes = new ArrayList<>(CheckpointReader.read(f).notes());
        notes.removeIf(n -> !n.startsWith("non-tensor"));
        assertEquals(1, notes.size(), notes.toString());
        return notes.get(0);
    }
}
