package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CheckpointReader recognises a file by its first bytes, never its name: "PK\3\4" is a torch zip, 0x80 0x02..0x05 a
 * legacy pickle, a little-endian u64 in (0, 100 MiB] followed by '{' a safetensors header; anything else is refused.
 */
class CheckpointSniffingTest {

    @TempDir
    Path tmp;

    private static byte[] lengthThen(long length, String rest) {
        byte[] r = rest.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + r.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length);
        b.put(r);
        return b.array();
    }

    @Test
    void safetensorsAreRecognisedWhateverTheFileIsCalled() throws Exception {
        Path f = tmp.resolve("weights.pth"); // the name lies
        Safetensors.write(f, Map.of("a", HostTensor.of(new float[] {3f, 4f}, 2)), Map.of("m", "1"), "F32");
        Checkpoint c = CheckpointReader.read(f);
        assertThat(c.format()).isEqualTo("safetensors");
        assertThat(c.file()).isEqualTo(f);
        assertThat(c.tensors().get("a").data()).containsExactly(3f, 4f);
        assertThat(c.metadata()).containsEntry("m", "1");
        assertThat(c.notes()).isEmpty();
    }

    @Test
    void emptyDirectoryAndMissingPathsAreNamed() throws Exception {
        Path empty = Files.write(tmp.resolve("empty.pth"), new byte[0]);
        assertThatThrownBy(() -> CheckpointReader.read(empty)).isInstanceOf(CheckpointFormatException.class)
                .hasMessage(empty + ": file is empty");
        assertThatThrownBy(() -> CheckpointReader.read(tmp)).isInstanceOf(CheckpointFormatException.class)
                .hasMessage(tmp + ": is a directory, not a checkpoint file");
        assertThatThrownBy(() -> CheckpointReader.read(tmp.resolve("nope.pth"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nope.pth").hasMessageContaining("checkpoint file not found");
    }

    @Test
    void onlyTheExactMagicBytesSelectAFormat() throws Exception {
        String unrecognised = "unrecognised format: neither a PyTorch zip checkpoint nor safetensors";
        // one byte, three bytes of the zip magic, a zip magic with the wrong 4th byte
        for (byte[] head : new byte[][] {{'P'}, {'P', 'K', 3}, {'P', 'K', 3, 5, 0, 0, 0, 0, 0, 0}, {'P', 'K', 5, 4, 0, 0, 0, 0, 0},
                {'Q', 'K', 3, 4, 0, 0, 0, 0, 0}, {'P', 'J', 3, 4, 0, 0, 0, 0, 0}}) {
            Path f = Files.write(tmp.resolve("x.bin"), head);
            assertThatThrownBy(() -> CheckpointReader.read(f)).as(new String(head, StandardCharsets.ISO_8859_1))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining(unrecognised);
        }
        // legacy pickles: protocol 2..5 after 0x80; protocols 1 and 6 are not torch's legacy format
        for (int proto = 2; proto <= 5; proto++) {
            Path f = Files.write(tmp.resolve("legacy" + proto + ".pt"), new byte[] {(byte) 0x80, (byte) proto, 0, 0});
            assertThatThrownBy(() -> CheckpointReader.read(f)).hasMessageContaining("legacy (pre-1.6, non-zip)");
        }
        for (int proto : new int[] {1, 6}) {
            Path f = Files.write(tmp.resolve("p" + proto + ".pt"), new byte[] {(byte) 0x80, (byte) proto, 0, 0, 0, 0, 0, 0, 0, 0});
            assertThatThrownBy(() -> CheckpointReader.read(f)).hasMessageContaining(unrecognised);
        }
        Path two = Files.write(tmp.resolve("two.pt"), new byte[] {(byte) 0x80, 2});
        assertThatThrownBy(() -> CheckpointReader.read(two)).hasMessageContaining("legacy (pre-1.6, non-zip)");
        // exactly the four magic bytes: taken for a zip, which then cannot be opened
        Path magic = Files.write(tmp.resolve("magic.pth"), new byte[] {'P', 'K', 3, 4});
        assertThatThrownBy(() -> CheckpointReader.read(magic)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("magic.pth: not a readable zip (truncated or corrupt)");
        Path one = Files.write(tmp.resolve("one.pt"), new byte[] {(byte) 0x80});
        assertThatThrownBy(() -> CheckpointReader.read(one)).hasMessageContaining(unrecognised);
        // safetensors-like: the length must be in (0, 100 MiB] and the header must open with '{'
        for (byte[] head : new byte[][] {lengthThen(0, "{}"), lengthThen(-2, "{}"), lengthThen((100L << 20) + 1, "{}"),
                lengthThen(2, "[]"), lengthThen(2, "")}) {
            Path f = Files.write(tmp.resolve("s.bin"), head);
            assertThatThrownBy(() -> CheckpointReader.read(f)).isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining(unrecognised);
        }
        // at exactly 100 MiB the sniffer hands over to the safetensors reader, which then checks the file size
        Path max = Files.write(tmp.resolve("max.bin"), lengthThen(100L << 20, "{}"));
        assertThatThrownBy(() -> CheckpointReader.read(max)).hasMessageContaining("header length " + (100L << 20) + " is invalid");
        Path min = Files.write(tmp.resolve("min.bin"), lengthThen(1, "{"));
        assertThatThrownBy(() -> CheckpointReader.read(min)).hasMessageContaining("not valid JSON");
    }
}
