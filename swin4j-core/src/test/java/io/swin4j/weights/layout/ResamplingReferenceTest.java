package io.swin4j.weights.layout;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.testing.Fixtures;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.CheckpointReader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resampling against PyTorch: F.interpolate(bicubic, align_corners=False) on small grids
 * (tools/reference/make_resampling_fixtures.py), and the official load_pretrained's window resize of the tiny official
 * checkpoint (parity/official_window_resize/resized_w8.pth). Pure Java.
 */
class ResamplingReferenceTest {

    private static final JsonNode CASES = Fixtures.json(Fixtures.root().resolve("resampling/bicubic.json")).get("cases");

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    /** (channels, cells) planes → channels-last (cells, channels), the layout of tables and position embeddings. */
    private static float[] channelsLast(float[] planes, int channels) {
        int cells = planes.length / channels;
        float[] out = new float[planes.length];
        for (int c = 0; c < channels; c++) for (int i = 0; i < cells; i++) out[i * channels + c] = planes[c * cells + i];
        return out;
    }

    @Test
    void bicubicPlanesEqualTorchInterpolate() {
        assertThat(CASES.size()).isGreaterThanOrEqualTo(5);
        for (JsonNode c : CASES) {
            int ih = c.get("in").get(0).asInt(), iw = c.get("in").get(1).asInt();
            int oh = c.get("out").get(0).asInt(), ow = c.get("out").get(1).asInt();
            float[] in = floats(c.get("input")), want = floats(c.get("output"));
            for (int ch = 0; ch < c.get("channels").asInt(); ch++) {
                float[] plane = java.util.Arrays.copyOfRange(in, ch * ih * iw, (ch + 1) * ih * iw);
                float[] expected = java.util.Arrays.copyOfRange(want, ch * oh * ow, (ch + 1) * oh * ow);
                Fixtures.assertClose(ih + "x" + iw + "->" + oh + "x" + ow + " channel " + ch,
                        Resampling.bicubic(plane, ih, iw, oh, ow), expected);
            }
        }
    }

    @Test
    void tablesAndTokenGridsAreResizedPerChannel() {
        for (JsonNode c : CASES) {
            int ih = c.get("in").get(0).asInt(), oh = c.get("out").get(0).asInt();
            if (ih != c.get("in").get(1).asInt() || oh != c.get("out").get(1).asInt()) continue; // square grids only
            float[] in = channelsLast(floats(c.get("input")), 2), want = channelsLast(floats(c.get("output")), 2);
            HostTensor table = Resampling.resizeTable(new HostTensor(new long[] {(long) ih * ih, 2}, in, "F16"), oh);
            assertThat(table.shape()).containsExactly((long) oh * oh, 2);
            assertThat(table.sourceDType()).isEqualTo("F16");
            Fixtures.assertClose("table " + ih + "->" + oh, table.data(), want);
            HostTensor tokens = Resampling.resizeTokens(new HostTensor(new long[] {1, (long) ih * ih, 2}, in, "BF16"), oh);
            assertThat(tokens.shape()).containsExactly(1, (long) oh * oh, 2);
            assertThat(tokens.sourceDType()).isEqualTo("BF16");
            Fixtures.assertClose("tokens " + ih + "->" + oh, tokens.data(), want);
        }
    }

    @Test
    void windowResizeEqualsOfficialLoadPretrained() throws Exception {
        Map<String, HostTensor> official = LayoutConverter.toCanonical(
                CheckpointReader.read(Fixtures.parity("official").resolve("official.pth")).tensors(), Layout.OFFICIAL).canonical();
        SwinConfig w4 = ConfigInference.infer(official, SizeRule.OFFICIAL);
        SwinConfig w8 = w4.toBuilder().optWindowSize(8).build();
        List<String> notes = new ArrayList<>();
        Map<String, HostTensor> resized = Resampling.retarget(official, w8, notes);
        Map<String, HostTensor> reference = CheckpointReader.read(
                Fixtures.parity("official_window_resize").resolve("resized_w8.pth")).tensors();
        assertThat(reference).hasSize(4);
        for (Map.Entry<String, HostTensor> e : reference.entrySet()) {
            assertThat(resized.get(e.getKey()).shape()).as(e.getKey()).containsExactly(e.getValue().shape());
            Fixtures.assertClose(e.getKey(), resized.get(e.getKey()).data(), e.getValue().data());
        }
        assertThat(resized.keySet()).containsExactlyElementsOf(official.keySet());
        // every other tensor (and the tables of stages whose window did not change) is passed through as is
        official.forEach((k, v) -> {
            if (!reference.containsKey(k)) assertThat(resized.get(k)).as(k).isSameAs(v);
        });
        assertThat(notes).containsExactly("4 relative-position-bias tables resized to the new windows (bicubic)");
        // retargeting to the same config changes nothing and says nothing
        List<String> none = new ArrayList<>();
        Map<String, HostTensor> same = Resampling.retarget(official, w4, none);
        official.forEach((k, v) -> assertThat(same.get(k)).isSameAs(v));
        assertThat(none).isEmpty();
    }

    @Test
    void absolutePositionEmbeddingFollowsTheImageSize() {
        SwinConfig base = SwinConfig.preset("swin_tiny_patch4_window7_224").toBuilder().optApe(true).build();
        JsonNode c = CASES.get(0); // 7x7 -> 15x15
        assertThat(c.get("in").get(0).asInt()).isEqualTo(7);
        assertThat(c.get("out").get(0).asInt()).isEqualTo(15);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        weights.put("absolute_pos_embed", new HostTensor(new long[] {1, 49, 2}, channelsLast(floats(c.get("input")), 2), "F32"));
        SwinConfig target = base.toBuilder().optImgSize(15 * 4).build();
        List<String> notes = new ArrayList<>();
        HostTensor ape = Resampling.retarget(weights, target, notes).get("absolute_pos_embed");
        assertThat(ape.shape()).containsExactly(1, 225, 2);
        Fixtures.assertClose("absolute_pos_embed", ape.data(), channelsLast(floats(c.get("output")), 2));
        assertThat(notes).containsExactly("absolute_pos_embed resized 7x7 -> 15x15 (bicubic)");
        List<String> quiet = new ArrayList<>();
        assertThat(Resampling.retarget(weights, base.toBuilder().optImgSize(28).build(), quiet).get("absolute_pos_embed"))
                .isSameAs(weights.get("absolute_pos_embed"));
        assertThat(quiet).isEmpty();
    }
}
