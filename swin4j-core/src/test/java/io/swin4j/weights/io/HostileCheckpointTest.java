package io.swin4j.weights.io;

import io.swin4j.model.SwinConfig;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The checkpoint rows of issue 18's table: each hostile file, built by {@link HostileCheckpoints}, is a few hundred
 * bytes to a few hundred KB and used to exhaust memory, overflow, run for minutes or escape as a bare exception; each
 * must now end within seconds under the hostile JVM's small heap (384 MB), as a {@link CheckpointFormatException} that
 * names the file and the reason (or, for metadata, as a bounded summary).
 */
@Tag("hostile")
class HostileCheckpointTest {

    @TempDir
    Path tmp;

    /** Row 1: 4 views of 200M elements (800 MB of fp32 each) over one float: refused by the expansion budget. */
    @Test
    void expandedViewsNeverMaterialiseBeyondTheBudget() throws Exception {
        Path f = HostileCheckpoints.expandedViews(tmp.resolve("expanded.pth"), 200_000_000L, 4);
        assertThatThrownBy(() -> CheckpointReader.read(f))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining("expanded (stride-0 or overlapping) views")
                .hasMessageContaining("CheckpointLimits.maxExpandedBytes");
        // Within a budget, an expanded view reads as torch shows it: every element is the one stored float.
        Path small = HostileCheckpoints.expandedViews(tmp.resolve("small.pth"), 1000, 2);
        Checkpoint ck = CheckpointReader.read(small);
        assertThat(ck.tensors().get("w1").data()).hasSize(1000).containsOnly(7f);
        // The 2 views are identical, so they share one copy (as in torch, one storage): (1000 - 1) × 4 bytes beyond
        // the 1-element storage.
        assertThat(ck.tensors().get("w0")).isSameAs(ck.tensors().get("w1"));
        long beyond = (1000 - 1) * 4L;
        assertThatThrownBy(() -> CheckpointReader.read(small, false,
                CheckpointLimits.defaults().withMaxExpandedBytes(beyond - 1)))
                .hasMessageContaining(beyond + " bytes beyond what the storages hold");
        assertThat(CheckpointReader.read(small, false, CheckpointLimits.defaults().withMaxExpandedBytes(beyond))
                .tensors()).hasSize(2);
    }

    /** Row 2: a 300 MB entry deflated to about 300 KB, its size declared honestly or as 4 bytes. */
    @ParameterizedTest
    @CsvSource({"false, declares", "true, inflates to more than"})
    void zipBombsAreRefusedWhileInflating(boolean lie, String verb) throws Exception {
        long inflated = 300L << 20;
        Path f = HostileCheckpoints.zipBomb(tmp.resolve("bomb-" + lie + ".pth"), inflated, lie);
        assertThat(Files.size(f)).isLessThan(inflated / 500);
        assertThatThrownBy(() -> CheckpointReader.read(f))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageStartingWith(f + ": entry archive/data/0 " + verb)
                .hasMessageContaining("refused as a zip bomb (CheckpointLimits.minInflateRatio)");
        // An entry smaller than the 100 KiB grace may compress as well as it likes (64 KiB of zeros: ~1:500).
        Path zeros = HostileCheckpoints.zipBomb(tmp.resolve("zeros-" + lie + ".pth"), 64 << 10, false);
        assertThat(CheckpointReader.read(zeros).tensors().get("w").data()).containsExactly(0f);
        // Without the ratio rule, the per-entry cap stops it, counting bytes as they come.
        assertThatThrownBy(() -> CheckpointReader.read(f, false,
                CheckpointLimits.defaults().withMinInflateRatio(0).withMaxEntryBytes(1 << 20)))
                .hasMessageStartingWith(f + ": entry archive/data/0 " + verb)
                .hasMessageContaining("over the limit of " + (1 << 20) + " (CheckpointLimits.maxEntryBytes)");
        // and so does the total over the file
        assertThatThrownBy(() -> CheckpointReader.read(f, false,
                CheckpointLimits.defaults().withMinInflateRatio(0).withMaxTotalBytes(2 << 20)))
                .hasMessageStartingWith(f + ": entry archive/data/0 " + verb)
                .hasMessageContaining("(CheckpointLimits.maxTotalBytes)");
    }

    /** Row 3: 12 levels of 10 shared references (10^12 paths), and a reference cycle, as metadata. */
    @ParameterizedTest
    @CsvSource({"false", "true"})
    void metadataIsSummarisedInBoundedForm(boolean cycle) throws Exception {
        Path f = HostileCheckpoints.sharedReferences(tmp.resolve("refs-" + cycle + ".pth"), cycle);
        Checkpoint ck = CheckpointReader.read(f);
        String meta = ck.metadata().get("meta");
        assertThat(meta).hasSizeLessThanOrEqualTo(Summary.MAX_CHARS);
        if (cycle) {
            // A = [B], B = [A]: A's summary is [B's], and B's element is A again, on the path.
            assertThat(meta).isEqualTo("[[<cycle>]]");
        } else {
            // depth capped at 4 (then "[...]"), 8 elements shown per list, 80 characters in all
            assertThat(meta).startsWith("[[[[[...], [...], ").endsWith("...");
        }
        assertThat(ck.tensors()).containsOnlyKeys("w");
    }

    /** Row 4: every length-prefixed opcode declaring 2 GiB (or a negative length) in a 20-byte pickle. */
    @ParameterizedTest
    @CsvSource({
            "66, 4, 2147483647", "66, 4, -5", "88, 4, 2147483647", "88, 4, 4294967291", "84, 4, 2147483647", "84, 4, -5",
            "139, 4, 2147483647", "139, 4, -5", "67, 1, 255", "140, 1, 255", "85, 1, 255", "138, 1, 255",
            "142, 8, 2147483648", "141, 8, 2147483648", "150, 8, 2147483648", "142, 8, -5", "150, 8, -5"})
    void lengthPrefixedOpcodesNeverAllocateBeyondTheInput(int opcode, int width, long length) throws Exception {
        int tail = 20 - 3 - width; // PROTO 2 (2 bytes), the opcode, its length, then tail bytes: 20 in all
        Path f = HostileCheckpoints.lengthPrefixed(tmp.resolve("op" + opcode + ".pth"), opcode, width, length, tail);
        long declared = width == 4 && (opcode == 84 || opcode == 139) ? (int) length
                : width == 4 ? length & 0xffffffffL : length;
        assertThatThrownBy(() -> CheckpointReader.read(f))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(f + ": refused pickle opcode " + opcode + " declaring " + declared + " bytes with " + tail
                        + " left in the pickle");
    }

    /** A list that holds itself used as a dict key: Python refuses it (unhashable); hashing it here would recurse. */
    @Test
    void unhashableKeysAndOpcodeFloodsAreRefused() throws Exception {
        byte[] pickle = new PickleWriter().raw("}]q\u0000h\u0000aNs.").bytes(); // d = {}; l = []; l.append(l); d[l] = None
        Path f = HostileCheckpoints.torchZip(tmp.resolve("key.pth"), pickle);
        assertThatThrownBy(() -> CheckpointReader.read(f))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(f + ": malformed pickle in data.pkl: net.razorvine.pickle.PickleException: unhashable ArrayList"
                        + " used as a dict key or set element");
        // validPickle runs PROTO, EMPTY_DICT, BINUNICODE "w", GLOBAL, MARK, ... : the 6th opcode is refused
        Path valid = HostileCheckpoints.validPth(tmp.resolve("valid.pth"));
        assertThatThrownBy(() -> CheckpointReader.read(valid, false, CheckpointLimits.defaults().withMaxPickleOps(5)))
                .hasMessage(valid + ": refused pickle: more than 5 opcodes (CheckpointLimits.maxPickleOps)");
        assertThat(CheckpointReader.read(valid).tensors().get("w").data()).containsExactly(1f, 2f, 3f, 4f);
    }

    /** Row 5: shape [3], stride [2^62] on one element: (3 - 1) · 2^62 = 2^63 overflows a long. */
    @Test
    void viewArithmeticIsOverflowChecked() throws Exception {
        Path f = HostileCheckpoints.overflowingStride(tmp.resolve("stride.pth"));
        assertThatThrownBy(() -> CheckpointReader.read(f))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(f + ": tensor of shape [3] strides [" + (1L << 62) + "] at offset 0: its last index"
                        + " overflows 64 bits");
    }

    /** Row 6: shape [2^62] F32 (2^64 bytes, 0 mod 2^64) and trailing bytes, both refused as the reference does. */
    @Test
    void safetensorsAreValidatedAsTheReferenceDoes() throws Exception {
        Path wrap = HostileCheckpoints.safetensorsWrappingShape(tmp.resolve("wrap.safetensors"));
        assertThatThrownBy(() -> CheckpointReader.read(wrap))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(wrap + ": tensor w of shape [" + (1L << 62) + "] F32 has more than 2^63 bytes");
        Path trailing = HostileCheckpoints.safetensorsTrailing(tmp.resolve("trailing.safetensors"), 3);
        assertThatThrownBy(() -> CheckpointReader.read(trailing))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(trailing + ": 3 trailing bytes after the last tensor (its data ends at 4 of a 7-byte data"
                        + " section)");
        Path meta = HostileCheckpoints.safetensors(tmp.resolve("meta.safetensors"),
                "{\"__metadata__\":{\"a\":1},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> CheckpointReader.read(meta)).isInstanceOf(CheckpointFormatException.class)
                .hasMessage(meta + ": __metadata__ entry a is not a string (NUMBER)");
        assertThat(CheckpointReader.read(HostileCheckpoints.safetensorsTrailing(tmp.resolve("exact.safetensors"), 0))
                .tensors()).containsOnlyKeys("w");
        // the header cap is a limit of its own (the reference: 100 MB; here 16 MiB by default)
        Path valid = HostileCheckpoints.validSafetensors(tmp.resolve("valid.safetensors"));
        long headerLength = Files.size(valid) - 8 - 20; // 20 data bytes: 4 F32 and 2 F16
        assertThatThrownBy(() -> CheckpointReader.read(valid, false, CheckpointLimits.defaults().withMaxHeaderBytes(64)))
                .hasMessage(valid + ": safetensors header length " + headerLength + " is invalid for a file of "
                        + Files.size(valid) + " bytes (at most 64, CheckpointLimits.maxHeaderBytes)");
        assertThat(CheckpointReader.read(valid).tensors().get("b").data()).containsExactly(1f, 2f); // F16 0x3c00, 0x4000
    }

    /** A saved config with window 0 or depths [1e9] fails as a format error naming the file, before any model. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"windowSize\":7|\"windowSize\":0|windowSize must be > 0",
            "\"depths\":[2,2,6,2]|\"depths\":[1e9,2,6,2]|depths[0] = 1000000000 is out of range [1, 256]",
            "\"imgSize\":224|\"imgSize\":2000000000|imgSize = 2000000000 is out of range [1, 8192]",
            "\"embedDim\":96|\"embedDim\":6144|last stage dim embedDim * 2^3 = 49152",
            "\"mlpRatio\":4.0|\"mlpRatio\":1e300|mlpRatio = 1.0E300 is out of range"})
    void hostileConfigsAreFormatErrors(String from, String to, String reason) throws Exception {
        Map<String, String> card = new HashMap<>(ModelCard.ofSource(SwinConfig.preset("swin_tiny_patch4_window7_224"),
                Layout.OFFICIAL).toMetadata());
        String json = card.get(ModelCard.META_CONFIG);
        assertThat(json).contains(from);
        card.put(ModelCard.META_CONFIG, json.replace(from, to));
        StringBuilder header = new StringBuilder("{\"__metadata__\":{");
        card.forEach((k, v) -> header.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(k)).append(':')
                .append(com.fasterxml.jackson.databind.node.TextNode.valueOf(v)).append(','));
        header.setLength(header.length() - 1);
        header.append("},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        Path f = HostileCheckpoints.safetensors(tmp.resolve("card.safetensors"), header.toString(), new byte[4]);
        Checkpoint ck = CheckpointReader.read(f);
        assertThatThrownBy(() -> ModelCard.savedConfig(ck.metadata(), f.toString()))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining(reason);
    }
}
