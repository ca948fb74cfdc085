package io.swin4j.hub;

import io.swin4j.model.SwinConfig.Family;
import io.swin4j.model.SwinConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelRegistryTest {

    /** The official config names of the V2 and MLP presets (microsoft/Swin-Transformer configs/, torchvision builders). */
    private static final Set<String> V2_MLP_PRESETS = Set.of(
            "swinv2_tiny_patch4_window8_256", "swinv2_tiny_patch4_window16_256",
            "swinv2_small_patch4_window8_256", "swinv2_small_patch4_window16_256",
            "swinv2_base_patch4_window8_256", "swinv2_base_patch4_window16_256",
            "swinv2_base_patch4_window12_192_22k", "swinv2_large_patch4_window12_192_22k",
            "swinv2_base_patch4_window12to16_192to256_22kto1k_ft", "swinv2_large_patch4_window12to16_192to256_22kto1k_ft",
            "swinv2_base_patch4_window12to24_192to384_22kto1k_ft", "swinv2_large_patch4_window12to24_192to384_22kto1k_ft",
            "swin_v2_t", "swin_v2_s", "swin_v2_b",
            "swin_mlp_tiny_c24_patch4_window8_256", "swin_mlp_tiny_c12_patch4_window8_256",
            "swin_mlp_tiny_c6_patch4_window8_256", "swin_mlp_base_patch4_window7_224");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}"), HEX_PREFIX = Pattern.compile("[0-9a-f]{8,63}");

    @Test
    void everyBundledEntryIsWellFormed() throws IOException {
        List<ModelEntry> entries = ModelRegistry.bundled().entries();
        assertThat(entries).extracting(ModelEntry::name).doesNotHaveDuplicates();
        assertThat(entries).extracting(ModelEntry::file).doesNotHaveDuplicates();
        Set<String> shortNames = new HashSet<>();
        for (ModelEntry e : entries) {
            assertThat(e.url().getScheme()).as(e.name()).isEqualTo("https");
            assertThat(e.url().getHost()).as(e.name()).isIn("github.com", "huggingface.co", "download.pytorch.org");
            assertThat(e.family()).as(e.name()).isNotNull();
            assertThat(e.preset()).as(e.name()).isNotBlank();
            assertThat(e.citedFrom()).as(e.name()).isNotBlank();
            assertThat(e.numClasses()).as(e.name()).isIn(1000, 21841);
            if (e.sha256() != null) assertThat(e.sha256()).matches(HEX64);
            if (e.sha256Prefix() != null) assertThat(e.sha256Prefix()).matches(HEX_PREFIX);
            if (e.family() == Family.V1) assertThat(SwinConfig.presetNames()).as(e.name()).contains(e.preset());
            else assertThat(V2_MLP_PRESETS).as(e.name()).contains(e.preset());
            assertThat(e.name().startsWith(e.source() == Source.OFFICIAL ? "swin" : e.source().id() + "/")).as(e.name()).isTrue();
            // a 22K head has the 22K class count, and only then
            boolean in22k = e.preset().endsWith("_in22k") || e.preset().endsWith("_22k");
            assertThat(e.numClasses()).as(e.name()).isEqualTo(in22k ? 21841 : 1000);
            shortNames.add(e.shortName());
        }
        assertThat(shortNames).hasSize(entries.size()); // every short name resolves alone
    }

    @Test
    void theBundledRegistryCoversEachFamilyAndSource() throws IOException {
        Map<String, Long> counts = ModelRegistry.bundled().entries().stream()
                .collect(Collectors.groupingBy(e -> e.family() + " " + e.source().id(), TreeMap::new, Collectors.counting()));
        // official MODELHUB.md: 16 V1 (v1.0.0, v1.0.8), 12 V2 (v2.0.0), 4 MLP (v1.0.5); timm default_cfgs with
        // hf_hub_id 'timm/': 16 V1 (without swin_s3), 12 V2; torchvision 0.14: swin_t/s/b, swin_v2_t/s/b
        assertThat(counts).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "MLP official", 4L, "V1 official", 16L, "V1 timm", 16L, "V1 torchvision", 3L,
                "V2 official", 12L, "V2 timm", 12L, "V2 torchvision", 3L)));
    }

    @Test
    void torchvisionHashPrefixesAreTheOnesInTheFileNames() throws IOException {
        for (ModelEntry e : ModelRegistry.bundled().entries()) {
            if (e.source() != Source.TORCHVISION) continue;
            String file = e.url().getPath().substring(e.url().getPath().lastIndexOf('/') + 1);
            assertThat(file).as(e.name()).isEqualTo(e.shortName() + "-" + e.sha256Prefix() + ".pth");
        }
    }

    @Test
    void namesResolveInFullOrWithoutTheirSource() throws IOException {
        ModelRegistry r = ModelRegistry.bundled();
        assertThat(r.get("swin_t").name()).isEqualTo("torchvision/swin_t");
        assertThat(r.get("torchvision/swin_v2_b").preset()).isEqualTo("swin_v2_b");
        assertThat(r.get("swinv2_tiny_window8_256.ms_in1k").source()).isEqualTo(Source.TIMM);
        assertThat(r.get("swin_tiny_patch4_window7_224").url().toString()).isEqualTo(
                "https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_tiny_patch4_window7_224.pth");
    }

    @Test
    void anUnknownNameListsNearMatches() throws IOException {
        ModelRegistry r = ModelRegistry.bundled();
        assertThatThrownBy(() -> r.get("swin_tiny_patch4_window7_24"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown model 'swin_tiny_patch4_window7_24'")
                .hasMessageContaining("swin_tiny_patch4_window7_224");
        assertThat(r.nearMatches("swin_v2_x", 5)).contains("torchvision/swin_v2_t", "torchvision/swin_v2_s");
        assertThat(r.nearMatches("resnet50", 5)).isEmpty();
    }

    private static ModelRegistry parse(String entry) throws IOException {
        String json = "{\"schema\":\"swin4j-registry/1\",\"groups\":[{\"family\":\"V1\",\"source\":\"official\",\"entries\":["
                + entry + "]}]}";
        return ModelRegistry.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test");
    }

    @Test
    void malformedEntriesAreRejected() throws IOException {
        String ok = "{\"name\":\"a\",\"preset\":\"p\",\"url\":\"https://example.org/a.pth\",\"file\":\"x/a.pth\",\"num_classes\":10}";
        assertThat(parse(ok).entries()).hasSize(1);
        assertThat(parse(ok.replace("https://example.org", "http://127.0.0.1:8080")).entries()).hasSize(1);
        assertThatThrownBy(() -> parse(ok.replace("https:", "http:"))).hasMessageContaining("must be https");
        assertThatThrownBy(() -> parse(ok + "," + ok)).hasMessageContaining("duplicate model name a");
        assertThatThrownBy(() -> parse(ok.replace("x/a.pth", "../a.pth"))).hasMessageContaining("relative path");
        assertThatThrownBy(() -> parse(ok.replace("x/a.pth", "/tmp/a.pth"))).hasMessageContaining("relative path");
        assertThatThrownBy(() -> parse(ok.replace("}", ",\"sha256\":\"abc\"}"))).hasMessageContaining("64 hex");
        assertThatThrownBy(() -> parse(ok.replace("}", ",\"sha256_prefix\":\"xyz12345\"}"))).hasMessageContaining("8 to 63 hex");
        assertThatThrownBy(() -> parse(ok.replace("\"preset\":\"p\",", ""))).hasMessageContaining("'preset'");
        assertThatThrownBy(() -> parse(ok.replace(",\"num_classes\":10", ""))).hasMessageContaining("num_classes");
        assertThat(parse(ok.replace("}", ",\"sha256_prefix\":\"ABCDEF12\"}")).entries().get(0).expectedSha256())
                .isEqualTo("abcdef12");
    }

    @Test
    void theRegistryPropertyReplacesTheBundledRegistry(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("r.json");
        Files.writeString(file, "{\"schema\":\"swin4j-registry/1\",\"groups\":[{\"family\":\"MLP\",\"source\":\"hf\",\"entries\":["
                + "{\"name\":\"hf/m\",\"preset\":\"p\",\"url\":\"https://example.org/m\",\"file\":\"m.bin\",\"num_classes\":3}]}]}");
        String before = System.getProperty(ModelRegistry.REGISTRY_PROPERTY);
        System.setProperty(ModelRegistry.REGISTRY_PROPERTY, file.toString());
        try {
            assertThat(ModelRegistry.defaults().entries()).extracting(ModelEntry::name).containsExactly("hf/m");
        } finally {
            if (before == null) System.clearProperty(ModelRegistry.REGISTRY_PROPERTY);
            else System.setProperty(ModelRegistry.REGISTRY_PROPERTY, before);
        }
        assertThat(ModelRegistry.defaults().entries()).hasSizeGreaterThan(60);
    }
}
