package io.swin4j.weights.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading checkpoints written by torch 1.13 (tools/reference/make_checkpoint_fixtures.py), good and bad. */
class CheckpointReaderTest {

    private static final Path DIR = Fixtures.root().resolve("checkpoints");
    private static final JsonNode EXPECTED = Fixtures.json(DIR.resolve("expected.json"));

    private static void assertEqualsTorch(HostTensor actual, JsonNode expected, String name) {
        assertThat(actual).as(name).isNotNull();
        long[] shape = new long[expected.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = expected.get("shape").get(i).asLong();
        assertThat(actual.shape()).as(name + " shape").containsExactly(shape);
        JsonNode v = expected.get("values");
        float[] want = new float[v.size()];
        for (int i = 0; i < want.length; i++) want[i] = (float) v.get(i).asDouble();
        assertThat(actual.data()).as(name + " values").containsExactly(want);
    }

    @Test
    void readsEveryDtypeViewAndSharedStorageExactly() throws Exception {
        Checkpoint c = CheckpointReader.read(DIR.resolve("dtypes_views.pth"));
        assertThat(c.format()).isEqualTo("torch-zip");
        for (String name : new String[] {"f32", "f16", "bf16", "f64", "i64", "transposed", "sliced", "shared_a",
                "shared_b", "scalar", "empty", "param"}) {
            assertEqualsTorch(c.tensors().get(name), EXPECTED.get(name), name);
        }
        assertThat(c.tensors().get("f16").sourceDType()).isEqualTo("F16");
        assertThat(c.tensors().get("bf16").sourceDType()).isEqualTo("BF16");
        assertThat(c.tensors().get("i64").sourceDType()).isEqualTo("I64");
    }

    @Test
    void unwrapsModelStateDictAndModulePrefix() throws Exception {
        for (String file : new String[] {"wrapped_model.pth", "module_prefix.pth", "mmdet_style.pth"}) {
            Checkpoint c = CheckpointReader.read(DIR.resolve(file));
            assertThat(c.tensors().keySet()).as(file).containsExactly("weight", "bias");
            assertEqualsTorch(c.tensors().get("weight"), EXPECTED.get("small").get("weight"), file);
        }
        assertThat(CheckpointReader.read(DIR.resolve("mmdet_style.pth")).notes()).anyMatch(n -> n.contains("state_dict"));
    }

    @Test
    void trainingCheckpointWithForeignObjectsNeedsLenientMode() throws Exception {
        Path f = DIR.resolve("training_checkpoint.pth");
        assertThatThrownBy(() -> CheckpointReader.read(f)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("training_checkpoint.pth").hasMessageContaining("refused global argparse.Namespace");
        Checkpoint c = CheckpointReader.read(f, true);
        assertThat(c.tensors().keySet()).containsExactly("weight", "bias");
        assertThat(c.metadata()).containsEntry("epoch", "12").containsEntry("config", "<argparse.Namespace>");
    }

    @Test
    void hostilePicklesAreRefusedWithoutSideEffects(@TempDir Path dir) throws Exception {
        // The fixtures' payloads run `touch /tmp/swin4j_pwned_marker`; copies aimed at this test's own folder make
        // "nothing ran" observable without touching anything outside it.
        Path marker = dir.resolve("pwned");
        Path system = retarget(DIR.resolve("hostile_os_system.pth"), dir.resolve("hostile_os_system.pth"), marker);
        Path eval = retarget(DIR.resolve("hostile_eval.pth"), dir.resolve("hostile_eval.pth"), marker);
        assertThatThrownBy(() -> CheckpointReader.read(system))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("refused global posix.system");
        assertThatThrownBy(() -> CheckpointReader.read(eval))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("refused global __builtin__.eval");
        // lenient mode turns them into inert placeholders: still nothing runs
        CheckpointReader.read(system, true);
        CheckpointReader.read(eval, true);
        assertThat(marker).doesNotExist();
    }

    /**
     * Copies a hostile torch zip with its payload's marker path replaced by {@code marker} (the pickle's one
     * BINUNICODE string that names the marker is rewritten, its length prefix with it).
     */
    private static Path retarget(Path hostile, Path copy, Path marker) throws Exception {
        byte[] from = "/tmp/swin4j_pwned_marker".getBytes(StandardCharsets.UTF_8);
        byte[] to = marker.toString().getBytes(StandardCharsets.UTF_8);
        int patched = 0;
        try (ZipFile in = new ZipFile(hostile.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] data = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith("/data.pkl")) {
                    ByteArrayOutputStream pkl = new ByteArrayOutputStream();
                    for (int i = 0; i < data.length; ) {
                        int at = indexOf(data, from, i);
                        int end = i + 5 + readLength(data, i + 1);
                        if (data[i] == 'X' && at >= i + 5 && end <= data.length && at + from.length <= end) {
                            int len = readLength(data, i + 1);
                            byte[] text = new byte[len];
                            System.arraycopy(data, i + 5, text, 0, len);
                            String s = new String(text, StandardCharsets.UTF_8)
                                    .replace(new String(from, StandardCharsets.UTF_8), new String(to, StandardCharsets.UTF_8));
                            byte[] b = s.getBytes(StandardCharsets.UTF_8);
                            pkl.write('X');
                            pkl.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
                            pkl.write(b);
                            i += 5 + len;
                            patched++;
                        } else {
                            pkl.write(data[i++]);
                        }
                    }
                    data = pkl.toByteArray();
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
        assertThat(patched).as("payload strings retargeted in " + hostile).isEqualTo(1);
        return copy;
    }

    private static int readLength(byte[] b, int at) {
        return at + 4 <= b.length ? ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() : -1;
    }

    private static int indexOf(byte[] data, byte[] what, int from) {
        outer:
        for (int i = from; i <= data.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) if (data[i + j] != what[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void brokenFilesGetClearErrors() {
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("truncated.pth")))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("truncated.pth")
                .hasMessageContaining("truncated or corrupt");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("missing_storage.pth")))
                .isInstanceOf(CheckpointFormatException.class).hasMessageMatching(".*storage entry .*/data/\\d+ is missing.*");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("legacy.pth")))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("legacy");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("expected.json")))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("unrecognised format");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("no_such_file.pth")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void readsSafetensorsOfEveryDtype() throws Exception {
        Checkpoint c = CheckpointReader.read(DIR.resolve("valid.safetensors"));
        assertThat(c.format()).isEqualTo("safetensors");
        assertThat(c.metadata()).containsEntry("source", "swin4j-test");
        for (String name : new String[] {"a", "h", "b", "i"}) {
            assertEqualsTorch(c.tensors().get(name), EXPECTED.get("safetensors").get(name), name);
        }
    }

    @Test
    void corruptSafetensorsAreRefused() {
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("overlap.safetensors")))
                .hasMessageContaining("overlap.safetensors");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("bad_json.safetensors")))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("header_past_eof.safetensors")))
                .hasMessageContaining("header length 1000000 is invalid for a file of 10 bytes");
        assertThatThrownBy(() -> CheckpointReader.read(DIR.resolve("short_data.safetensors")))
                .hasMessageContaining("fall outside");
    }

    @Test
    void writerRoundTripsAndRoundsLikeTorch(@TempDir Path tmp) throws Exception {
        JsonNode r = EXPECTED.get("rounding");
        float[] in = new float[r.get("input").size()];
        for (int i = 0; i < in.length; i++) in[i] = (float) r.get("input").get(i).asDouble();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("x", HostTensor.of(in, in.length));
        tensors.put("m", HostTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        for (String dtype : new String[] {"F32", "F16", "BF16"}) {
            Path f = tmp.resolve(dtype + ".safetensors");
            Safetensors.write(f, tensors, Map.of("format", "pt"), dtype);
            Checkpoint back = CheckpointReader.read(f);
            assertThat(back.tensors().keySet()).containsExactly("x", "m");
            assertThat(back.tensors().get("m").shape()).containsExactly(2, 3);
            assertThat(back.tensors().get("x").sourceDType()).isEqualTo(dtype);
            JsonNode want = dtype.equals("F32") ? r.get("input") : r.get(dtype.toLowerCase());
            for (int i = 0; i < in.length; i++) {
                assertThat(back.tensors().get("x").data()[i]).as("%s element %d", dtype, i)
                        .isEqualTo((float) want.get(i).asDouble());
            }
        }
        assertThat(Files.list(tmp).filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
    }
}
