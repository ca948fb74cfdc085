package io.swin4j.cli;

import io.swin4j.io.Npy;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.CheckpointReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin convert --to SOURCE}: the source's own key names, loadable back, and clear refusals. */
class ConvertCommandTest {

    private static final Path PARITY = Path.of(System.getProperty("swin4j.fixtures", "../fixtures")).resolve("parity");

    @Test
    void toTimmWritesTimmNamesThatRunAsTheReference(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("timm.safetensors");
        CliRun c = CliRun.of("convert", PARITY.resolve("official/official.pth").toString(), out.toString(), "--to", "timm");
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(c.out()).contains("from OFFICIAL layout, TIMM names");
        Map<String, HostTensor> written = CheckpointReader.read(out).tensors();
        // timm's names: merges at the start of the next stage, head.fc; equal to timm's own file key for key
        Map<String, HostTensor> timm = CheckpointReader.read(PARITY.resolve("timm/timm.pth")).tensors();
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(timm.keySet().stream()
                .filter(k -> !k.matches(".*(relative_position_index|attn_mask)")).toList());
        Path y = tmp.resolve("y.npy");
        CliRun f = CliRun.of("forward", "--weights", out.toString(), "--input", PARITY.resolve("official/input.npy").toString(),
                "--output", y.toString());
        assertThat(f.exit()).as(f.err()).isZero();
        HostTensor a = Npy.read(y), e = Npy.read(PARITY.resolve("official/logits.npy"));
        for (int i = 0; i < e.data().length; i++) assertThat(a.data()[i]).isCloseTo(e.data()[i], org.assertj.core.api.Assertions.within(1e-4f));
        CliRun i = CliRun.of("inspect", out.toString());
        assertThat(i.out()).contains("layout      TIMM").contains("status      OK");
    }

    @Test
    void v2ToHfWritesSwinv2Names(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("hf.safetensors");
        CliRun c = CliRun.of("convert", PARITY.resolve("v2_official/v2_official.pth").toString(), out.toString(), "--to", "hf");
        assertThat(c.exit()).as(c.err()).isZero();
        Map<String, HostTensor> written = CheckpointReader.read(out).tensors();
        Map<String, HostTensor> hf = CheckpointReader.read(PARITY.resolve("v2_hf/model.safetensors")).tensors();
        // the public converter's names, less the buffers it carries over
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(hf.keySet().stream()
                .filter(k -> !k.matches(".*(relative_position_index|relative_coords_table)")).toList());
        written.forEach((k, v) -> assertThat(v.data()).as(k).containsExactly(hf.get(k).data()));
    }

    @Test
    void aSourceTheFamilyLacksIsAClearError(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("x.safetensors");
        CliRun v2 = CliRun.of("convert", PARITY.resolve("v2_official/v2_official.pth").toString(), out.toString(), "--to", "mmdet");
        assertThat(v2.exit()).isEqualTo(1);
        assertThat(v2.err()).contains("Swin V2 has no MMDET layout");
        CliRun bogus = CliRun.of("convert", PARITY.resolve("official/official.pth").toString(), out.toString(), "--to", "keras");
        assertThat(bogus.exit()).isEqualTo(2); // a usage error, found before anything is read
        assertThat(bogus.err()).contains("--to").contains("not a layout swin4j writes: 'keras'");
        CliRun mlp = CliRun.of("convert", PARITY.resolve("mlp_official/mlp_official.pth").toString(), out.toString(), "--to", "torchvision");
        assertThat(mlp.exit()).isEqualTo(1);
        assertThat(mlp.err()).contains("Swin-MLP has no TORCHVISION layout; its layouts: [OFFICIAL, CANONICAL]");
        assertThat(out).doesNotExist();
    }
}
