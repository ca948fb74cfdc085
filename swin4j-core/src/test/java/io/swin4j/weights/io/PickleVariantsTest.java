package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tensor records torch can load but the reference fixtures never contain, written opcode by opcode (pickle
 * protocol 2): torch ≥ 2.0's {@code _rebuild_parameter_with_state(data, requires_grad, hooks, state)}, the legacy
 * 4-argument {@code _rebuild_tensor(storage, offset, size, stride)}, persistent ids, sizes and strides pickled as
 * lists instead of tuples (torch's unpickler accepts any sequence), and a tuple as the whole file. Expected
 * elements follow torch's view rule t[i][j] = storage[offset + i·stride0 + j·stride1].
 */
class PickleVariantsTest {

    @TempDir
    Path tmp;

    private static final float[] STORAGE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    /** {'w': <record>} over storage "0" = STORAGE, as a torch zip. */
    private Path checkpoint(String name, PickleWriter record) throws Exception {
        byte[] pkl = new PickleWriter().raw("}").str("w").raw(new String(record.bytes(), 2, record.bytes().length - 2,
                StandardCharsets.ISO_8859_1)).raw("s.").bytes();
        return zip(name, pkl, true);
    }

    private Path zip(String name, byte[] pkl, boolean withStorage) throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pkl);
        e.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        if (withStorage) e.put("archive/data/0", PickleWriter.floats(STORAGE));
        return PickleWriter.zip(tmp.resolve(name), e);
    }

    /** _rebuild_tensor_v2(storage, 1, (2, 3), (4, 2), False, OrderedDict()) with the given sequence closers. */
    private static PickleWriter v2(char pidClose, char sizeClose) {
        PickleWriter p = new PickleWriter().global("torch._utils", "_rebuild_tensor_v2").raw("(");
        p.storage(pidClose, "0", STORAGE.length).integer(1).seq(sizeClose, 2, 3).seq(sizeClose, 4, 2).raw("\u0089");
        return p.global("collections", "OrderedDict").raw(")R").raw("tR");
    }

    @Test
    void parametersWithStateAreTheirData() throws Exception {
        // _rebuild_parameter_with_state(tensor, requires_grad=False, hooks=OrderedDict(), state={})
        PickleWriter p = new PickleWriter().global("torch._utils", "_rebuild_parameter_with_state").raw("(");
        byte[] inner = v2('t', 't').bytes();
        p.raw(new String(inner, 2, inner.length - 2, StandardCharsets.ISO_8859_1)).raw("\u0089")
                .global("collections", "OrderedDict").raw(")R").raw("}").raw("tR");
        HostTensor w = CheckpointReader.read(checkpoint("param.pth", p)).tensors().get("w");
        assertThat(w.shape()).containsExactly(2, 3);
        assertThat(w.data()).containsExactly(1, 3, 5, 5, 7, 9);
    }

    @Test
    void persistentIdsSizesAndStridesMayBeLists() throws Exception {
        assertThat(CheckpointReader.read(checkpoint("pidlist.pth", v2('l', 't'))).tensors().get("w").data())
                .containsExactly(1, 3, 5, 5, 7, 9);
        assertThat(CheckpointReader.read(checkpoint("sizelist.pth", v2('t', 'l'))).tensors().get("w").data())
                .containsExactly(1, 3, 5, 5, 7, 9);
    }

    @Test
    void theLegacyFourArgumentRebuildIsRead() throws Exception {
        // torch._utils._rebuild_tensor(storage, storage_offset, size, stride)
        PickleWriter p = new PickleWriter().global("torch._utils", "_rebuild_tensor").raw("(");
        p.storage('t', "0", STORAGE.length).integer(2).seq('t', 2, 2).seq('t', 6, 3).raw("tR");
        assertThat(CheckpointReader.read(checkpoint("legacy.pth", p)).tensors().get("w").data()).containsExactly(2, 5, 8, 11);
        // three arguments: no stride, refused
        PickleWriter short3 = new PickleWriter().global("torch._utils", "_rebuild_tensor").raw("(");
        short3.storage('t', "0", STORAGE.length).integer(2).seq('t', 2, 2).raw("tR");
        assertThatThrownBy(() -> CheckpointReader.read(checkpoint("legacy3.pth", short3)))
                .isInstanceOf(CheckpointFormatException.class).hasMessageEndingWith("legacy3.pth: malformed tensor record (no storage)");
    }

    @Test
    void aTupleIsNotAStateDict() throws Exception {
        // torch.save((1, 2)): a TUPLE2 of ints
        Path f = zip("tuple.pth", new PickleWriter().integer(1).integer(2).raw("\u0086.").bytes(), false);
        assertThatThrownBy(() -> CheckpointReader.read(f)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageEndingWith("tuple.pth: holds a list/tuple, not a state dict");
    }
}
