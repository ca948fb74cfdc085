package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.hub.LoopbackServer;
import io.swin4j.hub.ModelRegistry;
import io.swin4j.hub.WeightsCache;
import io.swin4j.io.Npy;
import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code --weights NAME} and {@code swin models} against a registry (-Dswin4j.registry) whose entry points at a
 * loopback server, with the cache (-Dswin4j.home) in a temporary folder: nothing touches the internet.
 */
class ModelsCommandTest {

    private static final Path OFFICIAL = Path.of(System.getProperty("swin4j.fixtures", "../fixtures"))
            .resolve("parity/official");

    @TempDir
    Path tmp;
    private LoopbackServer server;
    private String homeBefore, registryBefore;
    private URI url;

    @BeforeEach
    void setUp() throws Exception {
        server = new LoopbackServer();
        url = server.serve("/tiny.pth", Files.readAllBytes(OFFICIAL.resolve("official.pth")));
        Path registry = tmp.resolve("registry.json");
        Files.writeString(registry, """
                {"schema": "swin4j-registry/1", "groups": [{"family": "V1", "source": "official", "cited_from": "test",
                  "entries": [{"name": "tiny_official", "preset": "tiny_fixture", "url": "%s",
                               "file": "official/tiny_official.pth", "num_classes": 10}]}]}
                """.formatted(url));
        homeBefore = System.getProperty(WeightsCache.HOME_PROPERTY);
        registryBefore = System.getProperty(ModelRegistry.REGISTRY_PROPERTY);
        System.setProperty(WeightsCache.HOME_PROPERTY, tmp.resolve("home").toString());
        System.setProperty(ModelRegistry.REGISTRY_PROPERTY, registry.toString());
    }

    @AfterEach
    void tearDown() {
        server.close();
        restore(WeightsCache.HOME_PROPERTY, homeBefore);
        restore(ModelRegistry.REGISTRY_PROPERTY, registryBefore);
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    private static JsonNode models() throws Exception {
        CliRun r = CliRun.of("models", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out()).get("models");
    }

    @Test
    void aRegistryNameIsDownloadedOnceThenUsedOffline() throws Exception {
        Path cached = tmp.resolve("home/official/tiny_official.pth");
        JsonNode before = models();
        assertThat(before).hasSize(1);
        assertThat(before.get(0).get("cached").asBoolean()).isFalse();
        assertThat(before.get(0).get("path").asText()).isEqualTo(cached.toString());

        Path y = tmp.resolve("y.npy");
        CliRun r = CliRun.of("forward", "--weights", "tiny_official", "--input", OFFICIAL.resolve("input.npy").toString(),
                "--output", y.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("downloading tiny_official from " + url).contains("saved " + cached);
        HostTensor logits = Npy.read(y), expected = Npy.read(OFFICIAL.resolve("logits.npy"));
        assertThat(logits.shape()).containsExactly(expected.shape());
        for (int i = 0; i < expected.data().length; i++) {
            assertThat(logits.data()[i]).isCloseTo(expected.data()[i], within(1e-4f));
        }
        assertThat(Files.readAllBytes(cached)).isEqualTo(Files.readAllBytes(OFFICIAL.resolve("official.pth")));
        assertThat(models().get(0).get("cached").asBoolean()).isTrue();

        server.stop();
        CliRun offline = CliRun.of("inspect", "tiny_official");
        assertThat(offline.exit()).as(offline.err()).isZero();
        assertThat(offline.out()).contains("layout      OFFICIAL").contains("classes 10");
        assertThat(offline.err()).doesNotContain("downloading");
        assertThat(server.ranges).hasSize(1);
    }

    @Test
    void offlineWithoutACachedFileTheErrorNamesTheUrlAndTheCachePath() {
        server.stop();
        CliRun r = CliRun.of("inspect", "tiny_official");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(url.toString()).contains(tmp.resolve("home/official/tiny_official.pth").toString());
    }

    @Test
    void anUnknownNameSuggestsNearOnes() {
        CliRun r = CliRun.of("inspect", "tiny_oficial");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no file tiny_oficial").contains("did you mean: tiny_official");
    }

    @Test
    void theTableListsNameFamilySourcePresetAndCached() {
        CliRun r = CliRun.of("models", "--family", "V1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(3);
        assertThat(r.out().lines().toList().get(1).split("\\s+")).containsExactly("tiny_official", "V1", "official",
                "tiny_fixture", "no");
        assertThat(CliRun.of("models", "--family", "V2").out()).startsWith("NAME").contains("0 models");
    }
}
