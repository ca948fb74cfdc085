package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.CheckpointReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads the official Swin V2 reference fixtures (tools/reference/make_family_fixtures.py) for the V2 tests. */
final class V2Reference {

    /** The official V2 buffers: recomputed from the config, never loaded. */
    static final Set<String> BUFFERS = Set.of("relative_coords_table", "relative_position_index", "attn_mask");

    private V2Reference() {}

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    /** The V2 config of a fixture's "config" object (the official constructor's arguments). */
    static SwinConfig config(String name, JsonNode c) {
        int img = c.get("img_size").isArray() ? c.get("img_size").get(0).asInt() : c.get("img_size").asInt();
        SwinConfig.Builder b = SwinConfig.builder().optName(name).optFamily(SwinConfig.Family.V2)
                .optImgSize(img).optPatchSize(c.get("patch_size").asInt())
                .optEmbedDim(c.get("embed_dim").asInt()).optDepths(ints(c.get("depths")))
                .optNumHeads(ints(c.get("num_heads"))).optWindowSize(c.get("window_size").asInt())
                .optMlpRatio(c.get("mlp_ratio").asDouble()).optNumClasses(c.get("num_classes").asInt())
                .optDropPathRate(0).optPretrainedWindowSizes(ints(c.get("pretrained_window_sizes")));
        if (c.has("qkv_bias")) b.optQkvBias(c.get("qkv_bias").asBoolean());
        if (c.has("ape")) b.optApe(c.get("ape").asBoolean());
        if (c.has("patch_norm")) b.optPatchNorm(c.get("patch_norm").asBoolean());
        return b.build();
    }

    /** The parameters of an official checkpoint, in file order, its buffers dropped. */
    static Map<String, HostTensor> officialParameters(Path file) throws IOException {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        CheckpointReader.read(file).tensors().forEach((k, v) -> {
            if (!BUFFERS.contains(k.substring(k.lastIndexOf('.') + 1))) out.put(k, v);
        });
        return out;
    }

    /**
     * A torchvision V2 state dict under the official names, written out for the model tests (the weights loader has
     * its own adapter): features.0.{0,2} → patch_embed.{proj,norm}; features.{2i+1}.j → layers.i.blocks.j with
     * mlp.{0,3} → mlp.{fc1,fc2} and the full 3C qkv.bias split into q_bias and v_bias (its key third is unused);
     * features.{2i+2} → layers.i.downsample; buffers dropped.
     */
    static Map<String, HostTensor> torchvisionToOfficial(Map<String, HostTensor> tv) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        tv.forEach((k, v) -> {
            if (BUFFERS.contains(k.substring(k.lastIndexOf('.') + 1))) return;
            String[] p = k.split("\\.", 3);
            if (!p[0].equals("features")) {
                out.put(k, v);
                return;
            }
            int f = Integer.parseInt(p[1]);
            if (f == 0) {
                out.put("patch_embed." + (p[2].startsWith("0.") ? "proj" : "norm") + p[2].substring(1), v);
            } else if (f % 2 == 0) {
                out.put("layers." + (f / 2 - 1) + ".downsample." + p[2], v);
            } else {
                String prefix = "layers." + (f - 1) / 2 + ".blocks." + p[2].substring(0, p[2].indexOf('.')) + ".";
                String rest = p[2].substring(p[2].indexOf('.') + 1);
                if (rest.startsWith("mlp.")) rest = rest.replace("mlp.0.", "mlp.fc1.").replace("mlp.3.", "mlp.fc2.");
                if (rest.equals("attn.qkv.bias")) {
                    int c = v.data().length / 3;
                    out.put(prefix + "attn.q_bias", new HostTensor(new long[] {c}, java.util.Arrays.copyOfRange(v.data(), 0, c), "F32"));
                    out.put(prefix + "attn.v_bias", new HostTensor(new long[] {c}, java.util.Arrays.copyOfRange(v.data(), 2 * c, 3 * c), "F32"));
                } else {
                    out.put(prefix + rest, v);
                }
            }
        });
        return out;
    }

    /** All tensors of an official checkpoint, buffers included, in file order. */
    static Map<String, HostTensor> officialTensors(Path file) throws IOException {
        return CheckpointReader.read(file).tensors();
    }

    // ------------------------------------------------------------------ float64 references

    /**
     * How far swin4j's float32 result may be from the float64 one, in multiples of the reference's float32 file's own
     * distance to it. On these fixtures the reference in float32 is itself 1e-6 (stage 0) to 2e-4 (stage 3) from its
     * float64 result (cosine attention with logit scales up to 100 amplifies rounding about 1e3-fold; reordering one
     * product moves the official float32 logits by 1.8e-5), so a float32 implementation is checked for being about
     * as exact as the reference is. Measured: at most 3.3× (the same rounding noise, another order of operations);
     * 8× leaves room for other CPUs' kernels. A defect moves these outputs by 1e-2 to 1 (the clamp: 0.4).
     */
    static final double NOISE_FACTOR = 8;

    /** fixtures/v2_float64 (tools/reference/make_v2_float64_references.py). */
    static Path float64Root() {
        return Fixtures.root().resolve("v2_float64");
    }

    /**
     * Fails unless the float64 references were computed from the fixture files now in the tree (their sha256), so a
     * regenerated fixture cannot silently be compared with references of the previous one.
     */
    static void requireCurrentFloat64References() {
        JsonNode sources = Fixtures.json(float64Root().resolve("meta.json")).get("sources_sha256");
        if (sources == null || sources.size() < 7) throw new AssertionError("float64 meta lists no sources");
        sources.fields().forEachRemaining(e -> {
            String actual = sha256(Fixtures.root().resolve(e.getKey()));
            if (!actual.equals(e.getValue().asText())) {
                throw new AssertionError("fixtures/" + e.getKey() + " changed since fixtures/v2_float64 was made: "
                        + "rerun tools/reference/make_v2_float64_references.py");
            }
        });
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@link Fixtures#assertAsExactAsReference} with the official float32 file as the reference and
     * {@link #NOISE_FACTOR}.
     *
     * @return {ours vs float64 rel, official float32 vs float64 rel, ours vs official float32 file rel}
     */
    static double[] assertAsExactAsOfficial(String what, float[] ours, float[] official32, float[] exact,
                                            double relFloor) {
        return Fixtures.assertAsExactAsReference(what, ours, official32, exact, relFloor, NOISE_FACTOR);
    }
}
