package io.swin4j.infer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every form of labels file Labels.read accepts, names in index order, and the errors for the ones it refuses. */
class LabelsFileTest {

    @Test
    void lineFilesKeepEveryLineButTheTrailingBlankOnes(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("names.txt"), "cat\n\ndog\n  \n\n");
        Labels l = Labels.read(f);
        assertThat(l.names()).containsExactly("cat", "", "dog");
        assertThat(l.source()).isEqualTo(f.toString());
        assertThat(Labels.read(Files.writeString(tmp.resolve("empty.txt"), "\n\n")).names()).isEmpty();
    }

    @Test
    void jsonListsAndIndexMapsGiveNamesInIndexOrder(@TempDir Path tmp) throws Exception {
        Path list = Files.writeString(tmp.resolve("list.json"), "  \n[\"cat\", \"dog\", \"bird\"]\n");
        assertThat(Labels.read(list).names()).containsExactly("cat", "dog", "bird");
        Path map = Files.writeString(tmp.resolve("map.json"), "{\"2\": \"bird\", \" 0 \": \"cat\", \"1\": \"dog\"}");
        assertThat(Labels.read(map).names()).containsExactly("cat", "dog", "bird");
        Path hf = Files.writeString(tmp.resolve("config.json"),
                "{\"architectures\": [\"SwinForImageClassification\"], \"id2label\": {\"1\": \"dog\", \"0\": \"cat\"}}");
        assertThat(Labels.read(hf).names()).containsExactly("cat", "dog");
        assertThat(Labels.read(hf).source()).isEqualTo(hf.toString());
    }

    @Test
    void brokenJsonAndNonIndexKeysAreRefusedNamingTheFile(@TempDir Path tmp) throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "[\"cat\", ");
        assertThatThrownBy(() -> Labels.read(bad)).hasMessageContaining("bad.json").hasMessageContaining("not valid JSON");
        Path key = Files.writeString(tmp.resolve("key.json"), "{\"0\": \"cat\", \"one\": \"dog\"}");
        assertThatThrownBy(() -> Labels.read(key)).hasMessageContaining("key.json")
                .hasMessageContaining("labels key 'one' is not a class index");
        Path noZero = Files.writeString(tmp.resolve("nozero.json"), "{\"1\": \"cat\"}");
        assertThatThrownBy(() -> Labels.read(noZero)).hasMessageContaining("lack index 0");
    }

    @Test
    void namesOutsideTheListAreNumberedAndSizesAreChecked() {
        Labels l = Labels.of(List.of("cat", "dog"), "given");
        assertThat(l.name(0)).isEqualTo("cat");
        assertThat(l.name(1)).isEqualTo("dog");
        assertThat(l.name(2)).isEqualTo("class_2");
        assertThat(l.name(-1)).isEqualTo("class_-1");
        assertThat(l.size()).isEqualTo(2);
        assertThat(l.source()).isEqualTo("given");
        assertThat(l.requireSize(2)).isSameAs(l);
        assertThatThrownBy(() -> l.requireSize(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("labels from given have 2 names; the model has 3 classes");
        Labels n = Labels.numbered(3);
        assertThat(n.names()).containsExactly("class_0", "class_1", "class_2");
        assertThat(n.source()).isEqualTo("numbered");
        assertThat(Labels.numbered(0).names()).isEmpty();
        Labels def = Labels.defaultFor(1000);
        assertThat(def.source()).isEqualTo("ImageNet-1K");
        assertThat(def.name(1)).isEqualTo("goldfish");
        assertThat(Labels.defaultFor(999).source()).isEqualTo("numbered");
        assertThat(Labels.defaultFor(1001).size()).isEqualTo(1001);
    }
}
