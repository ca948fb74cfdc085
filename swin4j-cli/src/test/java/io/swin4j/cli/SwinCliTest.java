package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.io.Npy;
import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The commands run in-process, as a user would call them, on the reference fixtures. */
class SwinCliTest {

    private static final Path FIXTURES = Path.of(System.getProperty("swin4j.fixtures", "../fixtures"));
    private static final Path PARITY = FIXTURES.resolve("parity");

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static void assertNpyClose(Path actual, Path expected, float tol) throws Exception {
        HostTensor a = Npy.read(actual), e = Npy.read(expected);
        assertThat(a.shape()).containsExactly(e.shape());
        for (int i = 0; i < e.data().length; i++) assertThat(a.data()[i]).isCloseTo(e.data()[i], within(tol));
    }

    @Test
    void inspectReportsLayoutConfigAndStatus() throws Exception {
        CliRun r = run("inspect", PARITY.resolve("official/official.pth").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("layout      OFFICIAL").contains("embed 12, depths [2, 2, 2, 2]")
                .contains("classes 10").contains("status      OK");
        CliRun json = run("inspect", "--json", PARITY.resolve("torchvision/torchvision.pth").toString());
        JsonNode node = new ObjectMapper().readTree(json.out());
        assertThat(node.get("layout").asText()).isEqualTo("TORCHVISION");
        assertThat(node.get("config").get("sizeRule").asText()).isEqualTo("TORCHVISION");
        assertThat(node.get("clean").asBoolean()).isTrue();
    }

    @Test
    void forwardWritesLogitsEmbeddingAndStagesEqualToTheReference(@TempDir Path tmp) throws Exception {
        Path dir = PARITY.resolve("torchvision");
        Path out = tmp.resolve("y.npy");
        CliRun r = run("forward", "--weights", dir.resolve("torchvision.pth").toString(), "--input",
                dir.resolve("input.npy").toString(), "--output", out.toString(), "--features");
        assertThat(r.exit()).as(r.err()).isZero();
        assertNpyClose(out, dir.resolve("logits.npy"), 1e-4f);
        for (int i = 0; i < 4; i++) assertNpyClose(tmp.resolve("y-stage" + i + ".npy"), dir.resolve("stage" + i + ".npy"), 1e-4f);
        Path emb = tmp.resolve("e.npy");
        assertThat(run("forward", "--weights", dir.resolve("torchvision.pth").toString(), "--input",
                dir.resolve("input.npy").toString(), "--output", emb.toString(), "--embedding").exit()).isZero();
        assertNpyClose(emb, dir.resolve("embedding.npy"), 1e-4f);
    }

    @Test
    void convertResizesTheWindowLikeOfficialLoadPretrained(@TempDir Path tmp) throws Exception {
        Path converted = tmp.resolve("w8.safetensors");
        CliRun c = run("convert", PARITY.resolve("official/official.pth").toString(), converted.toString(), "--window", "8");
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(c.out()).contains("wrote").contains("from OFFICIAL layout");
        Path out = tmp.resolve("y.npy");
        CliRun f = run("forward", "--weights", converted.toString(), "--input", PARITY.resolve("official/input.npy").toString(),
                "--output", out.toString());
        assertThat(f.exit()).as(f.err()).isZero();
        assertNpyClose(out, PARITY.resolve("official_window_resize/logits.npy"), 1e-4f);
        CliRun i = run("inspect", converted.toString());
        assertThat(i.out()).contains("window 8").contains("status      OK");
    }

    @Test
    void badInputsGetOneClearLineAndNonZeroExit(@TempDir Path tmp) throws Exception {
        Path input = PARITY.resolve("official/input.npy");
        CliRun missing = run("forward", "--weights", tmp.resolve("nope.pth").toString(), "--input", input.toString(),
                "--output", tmp.resolve("y.npy").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("swin forward:").contains("nope.pth");

        CliRun hostile = run("inspect", FIXTURES.resolve("checkpoints/hostile_os_system.pth").toString());
        assertThat(hostile.exit()).isEqualTo(1);
        assertThat(hostile.err()).contains("hostile_os_system.pth").contains("refused global posix.system");

        CliRun training = run("inspect", FIXTURES.resolve("checkpoints/training_checkpoint.pth").toString());
        assertThat(training.exit()).isEqualTo(1);
        assertThat(training.err()).contains("refused global argparse.Namespace");
        CliRun lenient = run("inspect", "--lenient-pickle", FIXTURES.resolve("checkpoints/training_checkpoint.pth").toString());
        assertThat(lenient.err()).doesNotContain("refused"); // readable now; its keys are no Swin layout
        assertThat(lenient.err()).contains("unknown checkpoint layout");

        CliRun unknown = run("inspect", FIXTURES.resolve("checkpoints/dtypes_views.pth").toString());
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown checkpoint layout");

        Path notNchw = tmp.resolve("x.npy");
        Npy.write(notNchw, HostTensor.of(new float[12], 3, 4));
        CliRun rank = run("forward", "--weights", PARITY.resolve("official/official.pth").toString(), "--input",
                notNchw.toString(), "--output", tmp.resolve("y.npy").toString());
        assertThat(rank.exit()).isEqualTo(1);
        assertThat(rank.err()).contains("x.npy").contains("rank 4");
        assertThat(tmp.resolve("y.npy")).doesNotExist();

        CliRun flag = run("forward", "--weights", "w.pth", "--input", "x.npy", "--output", "y.npy", "--bogus");
        assertThat(flag.exit()).isEqualTo(2);
        assertThat(flag.err()).contains("Unknown option: '--bogus'").contains("Usage: swin forward");
    }

    @Test
    void inspectOfAMismatchedCheckpointExitsTwoWithTheReport() throws Exception {
        CliRun r = run("inspect", "--arch", "swin_tiny_patch4_window7_224", PARITY.resolve("official/official.pth").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("differs from preset swin_tiny_patch4_window7_224").contains("PROBLEMS")
                .contains("shape mismatches");
        // the report names the actual difference: the tiny checkpoint's embed dim 12 against Swin-T's 96
        assertThat(r.out()).contains("embed dim: checkpoint 12, preset 96");
    }
}
