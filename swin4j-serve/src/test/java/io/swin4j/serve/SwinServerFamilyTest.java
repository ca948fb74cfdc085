package io.swin4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.swin4j.serve.SwinServerTest.JSON;
import static io.swin4j.serve.SwinServerTest.SAMPLES;
import static io.swin4j.serve.SwinServerTest.get;
import static io.swin4j.serve.SwinServerTest.post;
import static org.assertj.core.api.Assertions.assertThat;

/** The service on a Swin V2 and a Swin-MLP model: the family is reported, and MLP's missing attention is a 400. */
class SwinServerFamilyTest {

    /** A tiny random-weight model of {@code family}, saved with its card (3 classes, 32-px squash). */
    static Path tinyModel(Path dir, SwinConfig.Family family) throws Exception {
        String preset = family == SwinConfig.Family.MLP ? "swin_mlp_tiny_c24_patch4_window8_256" : "swinv2_tiny_patch4_window8_256";
        SwinConfig c = SwinConfig.preset(preset).toBuilder().optName("tiny_" + family).optImgSize(32).optEmbedDim(8)
                .optDepths(2, 2).optNumHeads(1, 2).optWindowSize(4).optNumClasses(3).optDropPathRate(0).build();
        Path file = dir.resolve(family + ".safetensors");
        try (SwinTransformer m = SwinTransformer.create(c, 5)) {
            SwinWeights.save(file, new ModelCard(c, Layout.OFFICIAL, EvalPreset.hf(32), List.of("a", "b", "c")),
                    m.parameters().toHost(), "F32");
        }
        return file;
    }

    @Test
    void mlpModelClassifiesAndRefusesAttentionPlainly(@TempDir Path dir) throws Exception {
        try (SwinPredictor p = SwinPredictor.builder(tinyModel(dir, SwinConfig.Family.MLP)).build();
             SwinServer s = SwinServer.start(p, ServeOptions.defaults().optPort(0))) {
            JsonNode model = JSON.readTree(get(s, "v1/model").body());
            assertThat(model.get("family").asText()).isEqualTo("MLP");
            assertThat(model.get("attentionMaps").asBoolean()).isFalse();
            byte[] png = Files.readAllBytes(SAMPLES.resolve("0000-ankle-boot.png"));
            HttpResponse<byte[]> classify = post(s, "v1/classify?top_k=3", png, "image/png");
            assertThat(classify.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(classify.body()).at("/results/0/top_k")).hasSize(3);
            HttpResponse<byte[]> attention = post(s, "v1/attention?stage=0&block=1", png, "image/png");
            assertThat(attention.statusCode()).isEqualTo(400);
            JsonNode error = JSON.readTree(attention.body());
            assertThat(error.get("error").asText()).isEqualTo("no_attention");
            assertThat(error.get("message").asText()).contains("MLP").contains("no attention maps");
        }
    }

    @Test
    void v2ModelServesAttention(@TempDir Path dir) throws Exception {
        try (SwinPredictor p = SwinPredictor.builder(tinyModel(dir, SwinConfig.Family.V2)).build();
             SwinServer s = SwinServer.start(p, ServeOptions.defaults().optPort(0))) {
            JsonNode model = JSON.readTree(get(s, "v1/model").body());
            assertThat(model.get("family").asText()).isEqualTo("V2");
            assertThat(model.get("attentionMaps").asBoolean()).isTrue();
            byte[] png = Files.readAllBytes(SAMPLES.resolve("0000-ankle-boot.png"));
            HttpResponse<byte[]> attention = post(s, "v1/attention?stage=0&block=1&head=0", png, "image/png");
            assertThat(attention.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(attention.body()).get("probs").size()).isGreaterThan(0);
        }
    }

    @Test
    void int8ModelServesAndSaysSo() throws Exception {
        try (SwinPredictor p = SwinPredictor.builder().optPrecision(io.swin4j.model.Precision.INT8).build();
             SwinServer s = SwinServer.start(p, ServeOptions.defaults().optPort(0))) {
            assertThat(JSON.readTree(get(s, "v1/model").body()).get("precision").asText()).isEqualTo("int8 dynamic");
            byte[] png = Files.readAllBytes(SAMPLES.resolve("0000-ankle-boot.png"));
            HttpResponse<byte[]> classify = post(s, "v1/classify?top_k=1", png, "image/png");
            assertThat(classify.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(classify.body()).at("/results/0/top_k/0/label").asText()).isEqualTo("Ankle boot");
        }
    }
}
