package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The .pth reader's view checks at and one past each bound, on checkpoints laid out as torch.save does (via
 * {@link PickleWriter} / {@link HostileCheckpoints#torchZip}): a view's last index (offset + sum((size-1)*stride))
 * must be inside its storage, ranks up to torch's 64, stride-0 views paying 4 bytes per element beyond the storage.
 */
class TorchViewLimitsTest {

    @TempDir Path dir;

    private Path pth(String name, PickleWriter tensor, float... storage) throws IOException {
        byte[] pickle = new PickleWriter().raw("}").str("w").bytes(tensorBytes(tensor)).raw("s.").bytes();
        return HostileCheckpoints.torchZip(dir.resolve(name + ".pth"), pickle, PickleWriter.floats(storage));
    }

    /** The tensor record's bytes without the PROTO header a PickleWriter starts with. */
    private static byte[] tensorBytes(PickleWriter p) {
        byte[] b = p.bytes();
        return Arrays.copyOfRange(b, 2, b.length);
    }

    private static HostTensor w(Path f, CheckpointLimits limits) throws IOException {
        return (HostTensor) ((Map<?, ?>) TorchCheckpointReader.readObject(f, false, limits)).get("w");
    }

    private static String refusal(Path f, CheckpointLimits limits) {
        return assertThrows(CheckpointFormatException.class, () -> TorchCheckpointReader.readObject(f, false, limits)).getMessage();
    }

    @Test
    void aViewEndingOnTheLastElementIsReadAndOnePastIsRefused() throws IOException {
        Path ok = pth("ok", new PickleWriter().tensor("0", 4, 2, new int[]{2}, new int[]{1}), 1, 2, 3, 4);
        assertArrayEquals(new float[]{3, 4}, w(ok, CheckpointLimits.defaults()).data()); // last index 2 + 1 = 3 < 4
        Path past = pth("past", new PickleWriter().tensor("0", 4, 3, new int[]{2}, new int[]{1}), 1, 2, 3, 4);
        assertEquals(past + ": tensor of shape [2] at offset 3 runs past storage 0 (4 elements)",
                refusal(past, CheckpointLimits.defaults()));
    }

    @Test
    void strideZeroIsAllowedAndPaysForEachExtraElement() throws IOException {
        // [5] stride [0] over one element: 4 elements beyond the storage, 16 bytes
        Path f = pth("x", new PickleWriter().tensor("0", 1, 0, new int[]{5}, new int[]{0}), 7);
        assertArrayEquals(new float[]{7, 7, 7, 7, 7}, w(f, CheckpointLimits.defaults().withMaxExpandedBytes(16)).data());
        assertEquals(f + ": tensor of shape [5] strides [0] views storage 0 of 1 elements: materialising expanded"
                        + " (stride-0 or overlapping) views would take 16 bytes beyond what the storages hold, over the limit"
                        + " of 15 (CheckpointLimits.maxExpandedBytes)",
                refusal(f, CheckpointLimits.defaults().withMaxExpandedBytes(15)));
    }

    @Test
    void rankUpToTorchs64() throws IOException {
        int[] ones64 = new int[64];
        Arrays.fill(ones64, 1);
        Path ok = pth("r64", new PickleWriter().tensor("0", 1, 0, ones64, ones64), 9);
        assertEquals(64, w(ok, CheckpointLimits.defaults()).shape().length);
        int[] ones65 = new int[65];
        Arrays.fill(ones65, 1);
        Path tuple = pth("r65", new PickleWriter().tensor("0", 1, 0, ones65, ones65), 9);
        assertEquals(tuple + ": malformed tensor record: java.lang.IllegalArgumentException: rank 65",
                refusal(tuple, CheckpointLimits.defaults()));
        // the same with size and stride as lists (a pickle may hold either)
        PickleWriter list = new PickleWriter().global("torch._utils", "_rebuild_tensor_v2").raw("(")
                .storage('t', "0", 1).integer(0).seq('l', ones65).seq('l', ones65).raw("\u0089")
                .global("collections", "OrderedDict").raw(")R").raw("tR");
        Path lists = pth("l65", list, 9);
        assertEquals(lists + ": malformed tensor record: java.lang.IllegalArgumentException: rank 65",
                refusal(lists, CheckpointLimits.defaults()));
        PickleWriter list64 = new PickleWriter().global("torch._utils", "_rebuild_tensor_v2").raw("(")
                .storage('t', "0", 1).integer(0).seq('l', ones64).seq('l', ones64).raw("\u0089")
                .global("collections", "OrderedDict").raw(")R").raw("tR");
        assertEquals(64, w(pth("l64", list64, 9), CheckpointLimits.defaults()).shape().length);
    }

    @Test
    void anOffsetBeyond64BitsIsRefusedNotTruncated() throws IOException {
        // LONG1 with 9 bytes: 2^64 + 1, which a truncating reader would take as offset 1
        byte[] big = {(byte) 0x8a, 9, 1, 0, 0, 0, 0, 0, 0, 0, 1};
        PickleWriter p = new PickleWriter().global("torch._utils", "_rebuild_tensor_v2").raw("(")
                .storage('t', "0", 2).bytes(big).tuple(1).tuple(1).raw("\u0089")
                .global("collections", "OrderedDict").raw(")R").raw("tR");
        Path f = pth("big", p, 1, 2);
        assertEquals(f + ": malformed tensor record: java.lang.ArithmeticException: BigInteger out of long range",
                refusal(f, CheckpointLimits.defaults()));
    }

    @Test
    void anOffsetWrittenAsADecimalLongIsRead() throws IOException {
        // protocol 0's LONG: "L1L\n" is offset 1
        PickleWriter p = new PickleWriter().global("torch._utils", "_rebuild_tensor_v2").raw("(")
                .storage('t', "0", 2).raw("L1L\n").tuple(1).tuple(1).raw("\u0089")
                .global("collections", "OrderedDict").raw(")R").raw("tR");
        assertArrayEquals(new float[]{2}, w(pth("dec", p, 1, 2), CheckpointLimits.defaults()).data());
    }

    @Test
    void oneStorageNamedWithTwoDtypesIsRefused() throws IOException {
        PickleWriter half = new PickleWriter().global("torch._utils", "_rebuild_tensor_v2").raw("(")
                .raw("(").str("storage").global("torch", "HalfStorage").str("0").str("cpu").integer(2).raw("tQ")
                .integer(0).tuple(1).tuple(1).raw("\u0089").global("collections", "OrderedDict").raw(")R").raw("tR");
        byte[] pickle = new PickleWriter().raw("}").str("w")
                .bytes(tensorBytes(new PickleWriter().tensor("0", 2, 0, new int[]{1}, new int[]{1}))).raw("s")
                .str("v").bytes(tensorBytes(half)).raw("s.").bytes();
        Path f = HostileCheckpoints.torchZip(dir.resolve("dt.pth"), pickle, PickleWriter.floats(1, 2));
        assertEquals(f + ": storage 0 is named as F32 and as F16", refusal(f, CheckpointLimits.defaults()));
    }

    @Test
    void theDefaultLimitsOverloadReadsAValidCheckpoint() throws IOException {
        Map<?, ?> m = (Map<?, ?>) TorchCheckpointReader.readObject(HostileCheckpoints.validPth(dir.resolve("v.pth")), false);
        assertEquals(List.of("w", "b", "epoch"), List.copyOf(m.keySet()));
        assertArrayEquals(new float[]{1, 2, 3, 4}, ((HostTensor) m.get("w")).data());
    }
}
