package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.io.Npy;
import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** `swin predict` / `swin embed` end to end on the torchvision reference (tools/reference/make_predict_fixtures.py). */
class PredictCommandTest {

    static final Path DIR = Path.of(System.getProperty("swin4j.fixtures", "../fixtures")).resolve("predict");

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    static String weights() throws Exception {
        JsonNode e = new ObjectMapper().readTree(DIR.resolve("expected.json").toFile());
        return DIR.resolve(e.get("weights").asText()).toString();
    }

    @Test
    void jsonOutputEqualsTorchvisionTopKAndBrokenFilesAreReported() throws Exception {
        CliRun r = run("predict", "--weights", weights(), "--format", "json", "--batch-size", "4", DIR.resolve("images").toString());
        JsonNode expected = new ObjectMapper().readTree(DIR.resolve("expected.json").toFile()).get("top5");
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(expected.size());
        for (String line : lines) {
            JsonNode o = new ObjectMapper().readTree(line);
            String name = Path.of(o.get("path").asText()).getFileName().toString();
            JsonNode want = expected.get(name);
            for (int i = 0; i < 5; i++) {
                JsonNode p = o.get("predictions").get(i);
                assertThat(p.get("index").asInt()).isEqualTo(want.get("indices").get(i).asInt());
                assertThat(p.get("probability").asDouble()).isCloseTo(want.get("probabilities").get(i).asDouble(), within(1e-5));
                assertThat(p.get("label").asText()).isEqualTo("class_" + p.get("index").asInt());
            }
        }
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("error: ").contains("f_broken.jpg").contains("5 ok, 1 failed");
    }

    @Test
    void csvAndTextFormatsAndOutputFile(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("out.csv");
        CliRun r = run("predict", "--weights", weights(), "--format", "csv", "--top-k", "2", "--output", csv.toString(),
                DIR.resolve("images/a_landscape.jpg").toString(), DIR.resolve("images/c_gray.png").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).isEqualTo("path,rank,index,label,probability");
        assertThat(rows).hasSize(1 + 2 * 2);
        CliRun text = run("predict", "--weights", weights(), "--top-k", "1", DIR.resolve("images/e_small.bmp").toString());
        assertThat(text.out()).contains("e_small.bmp\tclass_");
        assertThat(text.err()).contains("1 ok, 0 failed");
    }

    /** torchvision's pooled feature of an image (expected.json "embeddings", make_predict_fixtures.py). */
    private static float[] referenceEmbedding(String image) throws Exception {
        JsonNode row = new ObjectMapper().readTree(DIR.resolve("expected.json").toFile()).get("embeddings").get(image);
        assertThat(row).as("reference embedding of " + image).isNotNull();
        float[] e = new float[row.size()];
        for (int i = 0; i < e.length; i++) e[i] = (float) row.get(i).asDouble();
        return e;
    }

    /** Row i of the (N, 96) matrix must be the reference embedding of the file on line i of the paths index. */
    private static void assertRowsFollowThePathIndex(HostTensor t, Path index, int rows) throws Exception {
        List<String> paths = Files.readAllLines(index);
        assertThat(paths).hasSize(rows).noneMatch(p -> p.contains("broken"));
        assertThat(t.shape()).containsExactly(rows, 96);
        for (int i = 0; i < rows; i++) {
            String name = Path.of(paths.get(i)).getFileName().toString();
            float[] want = referenceEmbedding(name);
            for (int d = 0; d < 96; d++) {
                assertThat(t.data()[i * 96 + d]).as("row %d (%s) value %d", i, name, d).isCloseTo(want[d], within(1e-4f));
            }
        }
    }

    @Test
    void aDirectoryNamedThroughASymbolicLinkIsWalked(@TempDir Path tmp) throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("samples-link"), Samples.DIR.toAbsolutePath().normalize());
        CliRun r = CliRun.of("predict", "--format", "csv", "--top-k", "1", link.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> rows = r.out().lines().skip(1).toList();
        assertThat(rows).hasSize(Samples.all().size()).allMatch(row -> row.startsWith(link + "/"));
    }

    @Test
    void embedWritesRowsAndAPathIndex(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("emb.npy");
        CliRun r = run("embed", "--weights", weights(), "--output", out.toString(), DIR.resolve("images").toString());
        assertThat(r.exit()).isEqualTo(1); // the broken file
        assertRowsFollowThePathIndex(Npy.read(out), tmp.resolve("emb.paths.txt"), 5);
        // files named in reverse order on the command line, batch size 2, safetensors: rows follow that order
        Path st = tmp.resolve("emb.safetensors");
        List<String> args = new java.util.ArrayList<>(List.of("embed", "--weights", weights(), "--batch-size", "2",
                "--output", st.toString()));
        for (String n : List.of("e_small.bmp", "d_rgba.png", "c_gray.png", "b_portrait.png", "a_landscape.jpg")) {
            args.add(DIR.resolve("images").resolve(n).toString());
        }
        CliRun s = run(args.toArray(String[]::new));
        assertThat(s.exit()).as(s.err()).isZero();
        List<String> order = Files.readAllLines(tmp.resolve("emb.paths.txt"));
        assertThat(order).extracting(p -> Path.of(p).getFileName().toString())
                .containsExactly("e_small.bmp", "d_rgba.png", "c_gray.png", "b_portrait.png", "a_landscape.jpg");
        HostTensor rows = io.swin4j.weights.io.Safetensors.read(st).tensors().get("embeddings");
        assertRowsFollowThePathIndex(rows, tmp.resolve("emb.paths.txt"), 5);
    }

    @Test
    void unknownPresetAndEmptyInputAreClearErrors() throws Exception {
        CliRun bad = run("predict", "--weights", weights(), "--preset", "nope", DIR.resolve("images/a_landscape.jpg").toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("nope");
        CliRun wrong = run("predict", "--weights", DIR.resolve("../checkpoints/dtypes_views.pth").toString(),
                DIR.resolve("images/a_landscape.jpg").toString());
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("dtypes_views.pth").contains("unknown checkpoint layout");
        CliRun flag = run("predict", "--weights", weights(), "--top", "3", DIR.resolve("images/a_landscape.jpg").toString());
        assertThat(flag.exit()).isEqualTo(2);
        assertThat(flag.err()).contains("Unknown option: '--top'").contains("Possible solutions: --top-k");
        CliRun none = run("predict", "--weights", weights(), DIR.resolve("no_such_dir/*.jpg").toString());
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no images found");
    }
}
