package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Torch zip checkpoints assembled here entry by entry, with data.pkl written opcode by opcode (Python's pickle
 * protocol 2, as torch.save emits it: {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)}
 * with the storage as a persistent id {@code ('storage', torch.FloatStorage, key, 'cpu', numel)}), so that records
 * torch itself never writes (out-of-bounds views, negative strides, foreign opcodes) can be fed to the reader.
 */
class PickleRecordsTest {

    @TempDir
    Path tmp;

    /** A protocol-2 pickle, built opcode by opcode. */
    private Path zip(String name, Map<String, byte[]> entries) throws Exception {
        return PickleWriter.zip(tmp.resolve(name), entries);
    }

    /** A checkpoint {'w': tensor} over storage "0" holding {@code storage}. */
    private Path oneTensor(String name, float[] storage, int offset, int[] size, int[] stride) throws Exception {
        byte[] pkl = new PickleWriter().raw("}").str("w").tensor("0", storage.length, offset, size, stride).raw("s.").bytes();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pkl);
        e.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        e.put("archive/data/0", PickleWriter.floats(storage));
        return zip(name, e);
    }

    private Path pickleOnly(String name, byte[] pkl) throws Exception {
        return zip(name, Map.of("archive/data.pkl", pkl));
    }

    @Test
    void viewsReadTheirElementsThroughOffsetAndStrides() throws Exception {
        float[] s = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        // as torch: t[i][j] = storage[offset + i·stride0 + j·stride1]
        assertThat(CheckpointReader.read(oneTensor("t.pth", s, 1, new int[] {2, 3}, new int[] {4, 2})).tensors().get("w").data())
                .containsExactly(1, 3, 5, 5, 7, 9);
        // the last element may sit on the storage's last slot
        assertThat(CheckpointReader.read(oneTensor("edge.pth", s, 2, new int[] {2, 2}, new int[] {6, 3})).tensors().get("w").data())
                .containsExactly(2, 5, 8, 11);
        // 3-D with a broadcast (stride 0) axis
        assertThat(CheckpointReader.read(oneTensor("b.pth", s, 0, new int[] {2, 2, 2}, new int[] {0, 3, 1})).tensors().get("w").data())
                .containsExactly(0, 1, 3, 4, 0, 1, 3, 4);
        // an empty tensor may point anywhere
        assertThat(CheckpointReader.read(oneTensor("e.pth", s, 40, new int[] {0, 5}, new int[] {5, 1})).tensors().get("w").data())
                .isEmpty();
    }

    @Test
    void recordsOutsideTheirStorageAreRefused() throws Exception {
        float[] s = new float[4];
        assertThatThrownBy(() -> CheckpointReader.read(oneTensor("past.pth", s, 0, new int[] {3}, new int[] {2})))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageEndingWith("past.pth: tensor of shape [3] at offset 0 runs past storage 0 (4 elements)");
        assertThatThrownBy(() -> CheckpointReader.read(oneTensor("off.pth", s, 4, new int[] {1}, new int[] {1})))
                .hasMessageContaining("tensor of shape [1] at offset 4 runs past storage 0 (4 elements)");
        assertThatThrownBy(() -> CheckpointReader.read(oneTensor("neg.pth", s, -1, new int[] {1}, new int[] {1})))
                .hasMessageContaining("at offset -1 runs past storage");
        assertThatThrownBy(() -> CheckpointReader.read(oneTensor("negstride.pth", s, 3, new int[] {2}, new int[] {-1})))
                .hasMessageEndingWith("negstride.pth: negative stride");
        assertThatThrownBy(() -> CheckpointReader.read(oneTensor("rank.pth", s, 0, new int[] {2, 2}, new int[] {1})))
                .hasMessageEndingWith("rank.pth: tensor size/stride rank differ");
        assertThat(CheckpointReader.read(oneTensor("fits.pth", s, 0, new int[] {2}, new int[] {3})).tensors().get("w").data())
                .hasSize(2);
    }

    @Test
    void malformedTensorRecordsAndPersistentIdsAreNamed() throws Exception {
        byte[] noStorage = new PickleWriter().raw("}").str("w").global("torch._utils", "_rebuild_tensor_v2")
                .raw("(").integer(0).integer(0).tuple(1).tuple(1).raw("tRs.").bytes();
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("nostorage.pth", noStorage)))
                .hasMessageEndingWith("nostorage.pth: malformed tensor record (no storage)");
        byte[] shortArgs = new PickleWriter().raw("}").str("w").global("torch._utils", "_rebuild_tensor_v2")
                .raw("(").integer(0).integer(0).raw("tRs.").bytes();
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("short.pth", shortArgs)))
                .hasMessageEndingWith("short.pth: malformed tensor record (no storage)");
        byte[] notStorage = new PickleWriter().raw("}").str("w").raw("(").str("blob").str("x").raw("tQs.").bytes();
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("pid.pth", notStorage)))
                .hasMessageEndingWith("pid.pth: unsupported persistent id [blob, x] (expected a torch storage)");
        byte[] stringPid = new PickleWriter().raw("}").str("w").str("storage").raw("Qs.").bytes();
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("spid.pth", stringPid)))
                .hasMessageEndingWith("spid.pth: unsupported persistent id storage (expected a torch storage)");
        byte[] badSize = new PickleWriter().raw("}").str("w").global("torch._utils", "_rebuild_tensor_v2").raw("(")
                .raw("(").str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(1).raw("tQ")
                .integer(0).str("notatuple").tuple(1).raw("\u0089").global("collections", "OrderedDict").raw(")RtRs.").bytes();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", badSize);
        e.put("archive/data/0", PickleWriter.floats(1f));
        assertThatThrownBy(() -> CheckpointReader.read(zip("size.pth", e)))
                .hasMessageContaining("size.pth: malformed tensor record: java.lang.ClassCastException: expected a tuple of ints, got notatuple");
    }

    @Test
    void archiveLayoutAndByteOrderAreChecked() throws Exception {
        byte[] empty = new PickleWriter().raw("}.").bytes();
        Map<String, byte[]> big = new LinkedHashMap<>();
        big.put("archive/data.pkl", empty);
        big.put("archive/byteorder", "big\n".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> CheckpointReader.read(zip("big.pth", big)))
                .hasMessageEndingWith("big.pth: byte order 'big' is not supported (little only)");
        assertThatThrownBy(() -> CheckpointReader.read(zip("deep.pth", Map.of("a/b/data.pkl", empty))))
                .hasMessageEndingWith("deep.pth: zip has no <name>/data.pkl entry: not a PyTorch checkpoint");
        // a data.pkl at the root (no folder) is accepted as an empty folder name
        assertThatThrownBy(() -> CheckpointReader.read(zip("flat.pth", Map.of("data.pkl", empty))))
                .hasMessageEndingWith("flat.pth: contains no tensors (top-level keys: [])");
        assertThatThrownBy(() -> CheckpointReader.read(zip("nopkl.pth", Map.of("archive/xdata.pkl0", empty))))
                .hasMessageContaining("zip has no <name>/data.pkl entry");
        // any folder name works: torch names it after the file
        Map<String, byte[]> named = new LinkedHashMap<>();
        named.put("my_model/data.pkl", new PickleWriter().raw("}").str("w").tensor("7", 1, 0, new int[] {1}, new int[] {1}).raw("s.").bytes());
        named.put("my_model/data/7", PickleWriter.floats(42f));
        assertThat(CheckpointReader.read(zip("named.pth", named)).tensors().get("w").data()).containsExactly(42f);
        // a storage entry shorter than it claims
        Map<String, byte[]> missing = new LinkedHashMap<>();
        missing.put("archive/data.pkl", new PickleWriter().raw("}").str("w").tensor("0", 2, 0, new int[] {2}, new int[] {1}).raw("s.").bytes());
        assertThatThrownBy(() -> CheckpointReader.read(zip("nodata.pth", missing)))
                .hasMessageEndingWith("nodata.pth: storage entry archive/data/0 is missing");
    }

    @Test
    void opcodesThatCouldRunCodeAreRefused() throws Exception {
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("inst.pth", new PickleWriter().raw("(ios\nsystem\n.").bytes())))
                .hasMessageContaining("refused pickle opcode INST");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("obj.pth", new PickleWriter().raw("(No.").bytes())))
                .hasMessageContaining("refused pickle opcode OBJ");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("ext.pth", new PickleWriter().raw("\u0082\u0001.").bytes())))
                .hasMessageContaining("refused pickle opcode EXT");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("ext2.pth", new PickleWriter().raw("\u0083\u0001\u0000.").bytes())))
                .hasMessageContaining("refused pickle opcode EXT");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("build.pth", new PickleWriter().raw("K\u0001}b.").bytes())))
                .hasMessageEndingWith("build.pth: refused BUILD (__setstate__) on Integer");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("buildnone.pth", new PickleWriter().raw("N}b.").bytes())))
                .hasMessageEndingWith("buildnone.pth: refused BUILD (__setstate__) on None");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("stack.pth", new PickleWriter().raw("K\u0001K\u0002\u0093.").bytes())))
                .hasMessageContaining("malformed pickle in data.pkl").hasMessageContaining("malformed STACK_GLOBAL");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("sg.pth",
                new PickleWriter().str("os").str("system").raw("\u0093.").bytes()))).hasMessageContaining("refused global os.system");
    }

    @Test
    void dictOpcodesKeepKeyOrderAndRefuseNonDictTargets() throws Exception {
        // DICT (protocol 0/1 style) and STACK_GLOBAL (protocol 4) both build ordered maps
        byte[] dict = new PickleWriter().raw("(").str("b").raw("K\u0001").str("a").raw("K\u0002d.").bytes();
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("dict.pth", dict)))
                .hasMessageEndingWith("dict.pth: contains no tensors (top-level keys: [b, a])");
        byte[] ordered = new PickleWriter().str("collections").str("OrderedDict").raw("\u0093)R(").str("z").raw("K\u0001").str("y")
                .raw("K\u0002u.").bytes();
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("od.pth", ordered)))
                .hasMessageEndingWith("od.pth: contains no tensors (top-level keys: [z, y])");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("odd.pth", new PickleWriter().raw("}(K\u0001u.").bytes())))
                .hasMessageContaining("odd number of dict items");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("odddict.pth", new PickleWriter().raw("(K\u0001d.").bytes())))
                .hasMessageContaining("odd number of dict items");
        assertThatThrownBy(() -> CheckpointReader.read(pickleOnly("setitem.pth", new PickleWriter().raw("K\u0001K\u0002K\u0003s.").bytes())))
                .hasMessageEndingWith("setitem.pth: malformed pickle in data.pkl: net.razorvine.pickle.PickleException: SETITEM(S) on Integer");
        // lenient: a foreign object takes any items and state, and is reported by its class
        byte[] foreign = new PickleWriter().global("argparse", "Namespace").raw(")R(K\u0001K\u0002u}b.").bytes();
        Path f = pickleOnly("foreign.pth", foreign);
        assertThatThrownBy(() -> CheckpointReader.read(f)).hasMessageContaining("refused global argparse.Namespace");
        assertThatThrownBy(() -> CheckpointReader.read(f, true)).hasMessageEndingWith("foreign.pth: holds a argparse.Namespace, not a state dict");
        // a parameter unwraps to its tensor
        byte[] param = new PickleWriter().raw("}").str("p").global("torch._utils", "_rebuild_parameter").raw("(")
                .tensor("0", 2, 0, new int[] {2}, new int[] {1}).raw("\u0089").global("collections", "OrderedDict").raw(")RtRs.").bytes();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", param);
        e.put("archive/data/0", PickleWriter.floats(3f, 4f));
        assertThat(CheckpointReader.read(zip("param.pth", e)).tensors().get("p").data()).containsExactly(3f, 4f);
    }

    @Test
    void tensorsAtTheTopWinOverWrapperKeysAndMetadataIsCutAfter80Characters() throws Exception {
        // {'w': tensor, 'model': {'x': tensor}, 's80': 'x'*80, 's81': 'y'*81}
        byte[] pkl = new PickleWriter().raw("}(").str("w").tensor("0", 2, 0, new int[] {1}, new int[] {1})
                .str("model").raw("}").str("x").tensor("0", 2, 1, new int[] {1}, new int[] {1}).raw("s")
                .str("s80").str("x".repeat(80)).str("s81").str("y".repeat(81)).raw("u.").bytes();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pkl);
        e.put("archive/data/0", PickleWriter.floats(5f, 6f));
        Checkpoint c = CheckpointReader.read(zip("top.pth", e));
        assertThat(c.tensors().keySet()).containsExactly("w");
        assertThat(c.tensors().get("w").data()).containsExactly(5f);
        assertThat(c.notes()).containsExactly("non-tensor entries ignored: [model, s80, s81]");
        // a file whose tensors sit at the top level has no metadata: only wrapped state dicts do
        assertThat(c.metadata()).isEmpty();
        byte[] wrapped = new PickleWriter().raw("}(").str("model").raw("}").str("x").tensor("0", 2, 1, new int[] {1}, new int[] {1})
                .raw("s").str("s80").str("x".repeat(80)).str("s81").str("y".repeat(81)).raw("u.").bytes();
        e.put("archive/data.pkl", wrapped);
        Checkpoint w = CheckpointReader.read(zip("wrapped.pth", e));
        assertThat(w.tensors().get("x").data()).containsExactly(6f);
        assertThat(w.metadata()).containsEntry("s80", "x".repeat(80)).containsEntry("s81", "y".repeat(77) + "...");
    }
}
