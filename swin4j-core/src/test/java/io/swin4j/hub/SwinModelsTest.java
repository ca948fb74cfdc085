package io.swin4j.hub;

import io.swin4j.testing.Fixtures;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Registry names to loaded weights, served from a loopback server. */
class SwinModelsTest {

    private static ModelRegistry registry(String name, String url) throws IOException {
        String json = "{\"schema\":\"swin4j-registry/1\",\"groups\":[{\"family\":\"V1\",\"source\":\"official\",\"entries\":["
                + "{\"name\":\"" + name + "\",\"preset\":\"tiny_test_fixture\",\"url\":\"" + url
                + "\",\"file\":\"official/tiny.pth\",\"num_classes\":10}]}]}";
        return ModelRegistry.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test");
    }

    @Test
    void aRegistryNameIsDownloadedOnceAndLoaded(@TempDir Path home) throws IOException {
        Path fixture = Fixtures.root().resolve("parity/official/official.pth");
        try (LoopbackServer server = new LoopbackServer()) {
            ModelRegistry r = registry("tiny_official", server.serve("/tiny.pth", Files.readAllBytes(fixture)).toString());
            WeightsCache cache = new WeightsCache(home);
            SwinWeights w = SwinModels.load("tiny_official", LoadOptions.defaults(), r, cache, DownloadListener.NONE);
            SwinWeights direct = SwinWeights.load(fixture);
            assertThat(w.config()).isEqualTo(direct.config());
            assertThat(w.file()).isEqualTo(home.resolve("official/tiny.pth"));
            assertThat(SwinModels.resolve("tiny_official", r, cache, DownloadListener.NONE)).isEqualTo(w.file());
            assertThat(server.ranges).hasSize(1);
        }
    }

    @Test
    void anExistingPathWinsOverARegistryName(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("swin_t"), "x");
        ModelRegistry r = registry("x", "https://example.org/never");
        assertThat(SwinModels.resolve(file.toString(), r, new WeightsCache(tmp.resolve("home")), DownloadListener.NONE))
                .isEqualTo(file);
    }

    @Test
    void anUnknownNameIsAnErrorWithNearMatches(@TempDir Path tmp) throws IOException {
        ModelRegistry r = registry("swin_tiny_official", "https://example.org/never");
        assertThatThrownBy(() -> SwinModels.resolve("swin_tiny_oficial", r, new WeightsCache(tmp), DownloadListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no file swin_tiny_oficial").hasMessageContaining("did you mean: swin_tiny_official");
        assertThatThrownBy(() -> SwinModels.load("swin_tiny_oficial", LoadOptions.defaults(), r, new WeightsCache(tmp),
                DownloadListener.NONE)).hasMessageContaining("did you mean: swin_tiny_official");
    }
}
