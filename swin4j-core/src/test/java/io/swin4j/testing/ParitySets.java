package io.swin4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parity loop over a reference fixture (tools/reference): every input set of its meta.json run through a model,
 * every output the set lists (logits, embedding, stageN) taken from the model's output, the reference .npy loaded and
 * its shape checked. How close the values must be is each test's own criterion ({@link Output} to a consumer).
 */
public final class ParitySets {

    private ParitySets() {}

    /**
     * One output of one input set.
     *
     * @param set      the set's meta.json entry
     * @param name     logits, embedding or stageN
     * @param file     the reference file as meta.json names it (relative to the fixture directory)
     * @param path     that file, resolved and normalised
     * @param actual   the model's output, as floats
     * @param expected the reference output (its shape already equals the model's)
     */
    public record Output(JsonNode set, String name, String file, Path path, float[] actual, HostTensor expected) {
        /** The set's input file as meta.json names it. */
        public String input() {
            return set.get("input").get("file").asText();
        }
    }

    /** The output of that name: logits, embedding or stageN. */
    public static Tensor output(SwinOutput out, String name) {
        return switch (name) {
            case "logits" -> out.logits();
            case "embedding" -> out.embedding();
            default -> out.stageFeatures().get(Integer.parseInt(name.substring("stage".length())));
        };
    }

    /** {@link #forEachOutput(SwinTransformer, Path, List, Consumer)} over every set of {@code meta}. */
    public static int[] forEachOutput(SwinTransformer model, Path dir, JsonNode meta, Consumer<Output> check) {
        return forEachOutput(model, dir, sets(meta, meta.get("sets").size()), check);
    }

    /** The first {@code n} sets of {@code meta}. */
    public static List<JsonNode> sets(JsonNode meta, int n) {
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(meta.get("sets").get(i));
        return out;
    }

    /**
     * Runs {@code model} on the input of each set (with stage features) and hands every output the set lists to
     * {@code check}, in forward order (stages, embedding, logits: the first output off is where a defect starts),
     * after checking its shape against the reference file's. Returns how many outputs each set had.
     */
    public static int[] forEachOutput(SwinTransformer model, Path dir, List<JsonNode> sets, Consumer<Output> check) {
        int[] compared = new int[sets.size()];
        for (int s = 0; s < sets.size(); s++) {
            JsonNode set = sets.get(s);
            try (Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve(set.get("input").get("file").asText())));
                 SwinOutput out = model.forward(x, ForwardOptions.withStageFeatures())) {
                List<Map.Entry<String, JsonNode>> outputs = new ArrayList<>();
                set.get("outputs").fields().forEachRemaining(outputs::add);
                outputs.sort(Comparator.comparing(e -> e.getKey().startsWith("stage") ? e.getKey()
                        : e.getKey().equals("embedding") ? "x1" : "x2"));
                for (Map.Entry<String, JsonNode> e : outputs) {
                    String name = e.getKey(), file = e.getValue().get("file").asText();
                    Tensor actual = output(out, name);
                    Path path = dir.resolve(file).normalize();
                    HostTensor expected = Fixtures.npy(path);
                    assertThat(Tensors.shape(actual)).as(dir.getFileName() + " " + set.get("input").get("file").asText()
                            + " " + name + " shape").containsExactly(expected.shape());
                    check.accept(new Output(set, name, file, path, Tensors.toFloats(actual), expected));
                    compared[s]++;
                }
            }
        }
        return compared;
    }

    // ------------------------------------------------------------------ full size (-Pfullsize)

    /** One full-size case: checks it and says what it checked (for the timing line). */
    @FunctionalInterface
    public interface FullSizeCase {
        String check(Path dir, JsonNode meta) throws Exception;
    }

    /**
     * One dynamic test per case of the full-size references that tools/reference/fullsize.sh generates into
     * target/fullsize (or -Dswin4j.fullsize) whose meta.json {@code which} accepts; there must be at least one.
     */
    public static Stream<DynamicTest> fullSize(Predicate<JsonNode> which, FullSizeCase body) {
        Path root = Path.of(System.getProperty("swin4j.fullsize", "target/fullsize"));
        assertThat(root).as("generate with tools/reference/fullsize.sh").isDirectory();
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(p -> Files.exists(p.resolve("meta.json")))
                    .filter(p -> which.test(Fixtures.json(p.resolve("meta.json")))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(cases).as("full-size cases in " + root).isNotEmpty();
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            long t0 = System.nanoTime();
            String what = body.check(dir, Fixtures.json(dir.resolve("meta.json")));
            System.out.printf("fullsize %s: %s ok in %.1f s%n", dir.getFileName(), what, (System.nanoTime() - t0) / 1e9);
        }));
    }
}
