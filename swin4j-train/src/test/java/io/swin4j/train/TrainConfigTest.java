package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.swin4j.model.SwinConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainConfigTest {

    @Test
    void defaultsAreTheOfficialRecipe() {
        TrainConfig c = TrainConfig.official();
        assertThat(c.architecture()).isEqualTo(SwinConfig.preset("swin_tiny_patch4_window7_224"));
        assertThat(c.epochs).isEqualTo(300);
        assertThat(c.warmupEpochs).isEqualTo(20);
        assertThat(c.baseLr).isEqualTo(5e-4);
        assertThat(c.warmupLr).isEqualTo(5e-7);
        assertThat(c.minLr).isEqualTo(5e-6);
        assertThat(c.weightDecay).isEqualTo(0.05);
        assertThat(c.clipGrad).isEqualTo(5.0);
        assertThat(c.labelSmoothing).isEqualTo(0.1);
        assertThat(c.mixup).isEqualTo(0.8);
        assertThat(c.cutmix).isEqualTo(1.0);
        assertThat(c.mixupSwitchProb).isEqualTo(0.5);
        assertThat(c.randAugment).isEqualTo("rand-m9-mstd0.5-inc1");
        assertThat(c.reprob).isEqualTo(0.25);
        assertThat(c.scaleMin).isEqualTo(0.08);
        assertThat(c.problems()).containsExactly("data: an image-folder dataset needs its root directory");
        c.data = "/imagenet";
        assertThat(c.problems()).isEmpty();
        TrainConfig ft = TrainConfig.recipe("finetune");
        assertThat(ft.epochs).isEqualTo(30);
        assertThat(ft.baseLr).isEqualTo(2e-5);
        assertThat(ft.weightDecay).isEqualTo(1e-8);
        assertThat(TrainConfig.recipe("fashion-mnist").architecture().imgSize()).isEqualTo(32);
        assertThatThrownBy(() -> TrainConfig.recipe("imagenet-22k")).hasMessageContaining("unknown recipe 'imagenet-22k'")
                .hasMessageContaining("fashion-mnist");
    }

    @Test
    void jsonAndYamlRoundTrip(@TempDir Path dir) throws Exception {
        TrainConfig c = TrainConfig.fashionMnist();
        c.epochs = 7;
        c.mean = new float[] {0.1f, 0.2f, 0.3f};
        c.randAugment = "rand-m7-n1";
        c.seed = 12345;
        c.hflip = 0.25;
        c.ema = true;
        for (String name : new String[] {"c.json", "c.yaml"}) {
            Path f = dir.resolve(name);
            c.write(f);
            // the file, parsed by a plain JSON/YAML parser, holds every set field of c under its name, with its value
            assertHolds(plainTree(f), c, name);
            TrainConfig back = TrainConfig.read(f);
            assertThat(back.epochs).isEqualTo(7);
            assertThat(back.mean).containsExactly(0.1f, 0.2f, 0.3f);
            assertThat(back.randAugment).isEqualTo("rand-m7-n1");
            assertThat(back.seed).isEqualTo(12345);
            assertThat(back.hflip).isEqualTo(0.25);
            assertThat(back.ema).isTrue();
            assertThat(back.architecture()).isEqualTo(c.architecture());
            assertThat(back.arch).as("a null arch stays null (model is given)").isNull();
            assertHolds(plainTree(f), back, name + " read back");
        }
        assertThat(Files.readString(dir.resolve("c.yaml"))).contains("epochs: 7");
    }

    @Test
    void writingWhatWasReadGivesTheSameFile(@TempDir Path dir) throws Exception {
        // the official recipe names its architecture by preset (model null), so no field is null-versus-default
        TrainConfig c = TrainConfig.official();
        c.data = "/imagenet";
        c.init = "swin_tiny.pth";
        c.mean = new float[] {0.5f, 0.25f, 0.125f};
        c.std = new float[] {0.2f, 0.3f, 0.4f};
        c.batchSize = 96;
        c.minLr = 1.5e-6;
        for (String name : new String[] {"o.json", "o.yml"}) {
            Path f = dir.resolve(name);
            c.write(f);
            JsonNode tree = plainTree(f);
            assertHolds(tree, c, name);
            TrainConfig back = TrainConfig.read(f, TrainConfig.fashionMnist()); // a different base: the file must win
            assertHolds(tree, back, name + " read back");
            Path again = dir.resolve("again-" + name);
            back.write(again);
            assertThat(Files.readString(again)).as("%s written, read and written again", name).isEqualTo(Files.readString(f));
        }
    }

    private static JsonNode plainTree(Path f) throws IOException {
        return (f.toString().endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory())).readTree(f.toFile());
    }

    /** Every public instance field of {@code c} is in {@code tree} with its value (null ones as null), and nothing else is. */
    private static void assertHolds(JsonNode tree, Object c, String where) throws IllegalAccessException {
        Set<String> expectedKeys = new TreeSet<>();
        for (Field f : c.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            Object v = f.get(c);
            expectedKeys.add(f.getName());
            assertValue(tree.get(f.getName()), v, where + ": " + f.getName());
        }
        Set<String> keys = new TreeSet<>();
        tree.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("%s: keys", where).isEqualTo(expectedKeys);
    }

    private static void assertValue(JsonNode node, Object v, String what) throws IllegalAccessException {
        if (v == null) {
            assertThat(node != null && node.isNull()).as("%s is written as null (found %s)", what, node).isTrue();
            return;
        }
        assertThat(node).as(what).isNotNull();
        if (v instanceof Float x) assertThat(node.floatValue()).as(what).isEqualTo(x);
        else if (v instanceof Double x) assertThat(node.doubleValue()).as(what).isEqualTo(x);
        else if (v instanceof Integer || v instanceof Long) assertThat(node.longValue()).as(what).isEqualTo(((Number) v).longValue());
        else if (v instanceof Boolean x) assertThat(node.isBoolean() && node.booleanValue() == x).as("%s = %s in %s", what, x, node).isTrue();
        else if (v instanceof String || v instanceof Enum<?>) assertThat(node.asText()).as(what).isEqualTo(v.toString());
        else if (v.getClass().isArray()) {
            assertThat(node.isArray() && node.size() == Array.getLength(v)).as("%s: %s is an array of %d", what, node, Array.getLength(v)).isTrue();
            for (int i = 0; i < Array.getLength(v); i++) assertValue(node.get(i), Array.get(v, i), what + "[" + i + "]");
        } else if (v instanceof Record) {
            Set<String> names = new TreeSet<>(), keys = new TreeSet<>();
            for (RecordComponent rc : v.getClass().getRecordComponents()) {
                names.add(rc.getName());
                try {
                    assertValue(node.get(rc.getName()), rc.getAccessor().invoke(v), what + "." + rc.getName());
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw new IllegalStateException(e);
                }
            }
            node.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).as("%s: keys", what).isEqualTo(names);
        } else {
            throw new AssertionError(what + ": no comparison for " + v.getClass());
        }
    }

    @Test
    void aPartialFileKeepsTheBaseAndUnknownKeysAreErrors(@TempDir Path dir) throws IOException {
        Path yaml = Files.writeString(dir.resolve("run.yml"), "epochs: 3\nbatchSize: 32\nmixup: 0\n");
        TrainConfig c = TrainConfig.read(yaml, TrainConfig.fineTune());
        assertThat(c.epochs).isEqualTo(3);
        assertThat(c.batchSize).isEqualTo(32);
        assertThat(c.mixup).isZero();
        assertThat(c.baseLr).isEqualTo(2e-5);
        Path typo = Files.writeString(dir.resolve("typo.json"), "{\"epoch\": 3}");
        assertThatThrownBy(() -> TrainConfig.read(typo)).isInstanceOf(IOException.class)
                .hasMessageContaining("typo.json").hasMessageContaining("epoch");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"epochs\": ");
        assertThatThrownBy(() -> TrainConfig.read(broken)).isInstanceOf(IOException.class).hasMessageContaining("broken.json");
    }

    @Test
    void validationNamesEveryBadField() {
        TrainConfig c = TrainConfig.official();
        c.epochs = 5;
        c.warmupEpochs = 5;
        c.batchSize = 0;
        c.reprob = 1.5;
        c.scaleMin = 0;
        c.randAugment = "rand-zz";
        c.arch = "swin_huge";
        c.dataset = "imagenet";
        assertThat(c.problems()).hasSize(7).anyMatch(p -> p.startsWith("warmupEpochs must be in [0, epochs)"))
                .anyMatch(p -> p.startsWith("batchSize must be >= 1")).anyMatch(p -> p.startsWith("reprob must be in [0, 1]"))
                .anyMatch(p -> p.contains("scaleMin")).anyMatch(p -> p.startsWith("randAugment:"))
                .anyMatch(p -> p.startsWith("arch:")).anyMatch(p -> p.startsWith("dataset must be"));
        assertThatThrownBy(c::validate).hasMessageStartingWith("invalid training settings:");
    }
}
