package io.swin4j.weights.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the reader finds the state dict in what torch.save wrote (tools/reference/make_reader_fixtures.py): wrappers in
 * their order of preference, top-level metadata, containers that are not state dicts, non-tensor entries, the
 * DataParallel prefix, and tensors saved as views of larger storages.
 */
class CheckpointUnwrapTest {

    private static final Path DIR = Fixtures.root().resolve("reader");
    private static final JsonNode EXPECTED = Fixtures.json(DIR.resolve("expected.json"));

    private static Checkpoint read(String name) throws Exception {
        return CheckpointReader.read(DIR.resolve(name + ".pth"));
    }

    private static void assertTensor(HostTensor actual, JsonNode expected, String what) {
        assertThat(actual).as(what).isNotNull();
        long[] shape = new long[expected.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = expected.get("shape").get(i).asLong();
        assertThat(actual.shape()).as(what + " shape").containsExactly(shape);
        float[] want = new float[expected.get("values").size()];
        for (int i = 0; i < want.length; i++) want[i] = (float) expected.get("values").get(i).asDouble();
        assertThat(actual.data()).as(what + " values").containsExactly(want);
    }

    @Test
    void wrappersAreFollowedInOrderOfPreference() throws Exception {
        Checkpoint nested = read("nested");
        assertThat(nested.format()).isEqualTo("torch-zip");
        assertThat(nested.tensors().keySet()).containsExactly("a", "b");
        assertTensor(nested.tensors().get("a"), EXPECTED.get("a"), "a");
        assertTensor(nested.tensors().get("b"), EXPECTED.get("b"), "b");
        assertThat(nested.notes()).containsExactly("state dict taken from the 'state_dict' entry",
                "state dict taken from the 'model' entry");
        assertThat(nested.metadata()).containsExactly(Map.entry("epoch", "7"));
        // 'state_dict' is preferred to 'model' whatever the order in the file
        assertThat(read("competing").tensors().keySet()).containsExactly("a");
        assertThat(read("competing").notes()).containsExactly("state dict taken from the 'state_dict' entry");
        Checkpoint msd = read("model_state_dict");
        assertThat(msd.tensors().keySet()).containsExactly("a");
        assertThat(msd.metadata()).as("dict-valued entries are not metadata").isEmpty();
        assertThat(read("module_key").notes()).containsExactly("state dict taken from the 'module' entry");
    }

    @Test
    void topLevelValuesBecomeShortMetadata() throws Exception {
        Checkpoint c = read("metadata");
        assertThat(c.tensors().keySet()).containsExactly("a");
        assertThat(c.metadata()).containsEntry("epoch", "12").containsEntry("shape", "[1, 2]")
                .containsEntry("best", "[0.5, 0.25]").containsEntry("flag", "true").containsEntry("none", "null")
                .doesNotContainKey("model");
        assertThat(c.metadata().get("note")).isEqualTo("x".repeat(77) + "...").hasSize(80);
    }

    @Test
    void containersThatAreNotStateDictsAreRefusedSayingWhatTheyHold() {
        assertThatThrownBy(() -> read("list_of_tensors")).isInstanceOf(CheckpointFormatException.class)
                .hasMessageEndingWith("list_of_tensors.pth: holds a list/tuple, not a state dict");
        assertThatThrownBy(() -> read("number")).hasMessageEndingWith("number.pth: holds a Integer, not a state dict");
        assertThatThrownBy(() -> read("none")).hasMessageEndingWith("none.pth: holds a None, not a state dict");
        assertThatThrownBy(() -> read("no_tensors")).isInstanceOf(CheckpointFormatException.class)
                .hasMessageEndingWith("no_tensors.pth: contains no tensors (top-level keys: [epoch, lr])");
        // a chain of wrappers deeper than the reader follows (4) is refused rather than searched without end
        assertThatThrownBy(() -> read("deep")).hasMessageEndingWith("deep.pth: contains no tensors (top-level keys: [model])");
    }

    @Test
    void nonTensorEntriesAreDroppedAndTheDataParallelPrefixOnlyWhenEveryKeyHasIt() throws Exception {
        Checkpoint mixed = read("mixed");
        assertThat(mixed.tensors().keySet()).containsExactly("a");
        assertThat(mixed.notes()).containsExactly("non-tensor entries ignored: [step, name]");
        Checkpoint partial = read("partial_prefix");
        assertThat(partial.tensors().keySet()).containsExactly("module.a", "b");
        assertThat(partial.notes()).isEmpty();
        Checkpoint all = read("all_prefixed");
        assertThat(all.tensors().keySet()).containsExactly("a", "b");
        assertThat(all.notes()).containsExactly("'module.' prefix (DataParallel) removed");
        assertTensor(all.tensors().get("b"), EXPECTED.get("b"), "b");
    }

    @Test
    void viewsAndIntegerStoragesReadAsTorchLoadsThem() throws Exception {
        Checkpoint c = read("views");
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = EXPECTED.get("views").fields(); it.hasNext(); n++) {
            Map.Entry<String, JsonNode> e = it.next();
            assertTensor(c.tensors().get(e.getKey()), e.getValue(), e.getKey());
        }
        assertThat(n).isEqualTo(10);
        assertThat(c.tensors().get("ints").sourceDType()).isEqualTo("I32");
        assertThat(c.tensors().get("bools").sourceDType()).isEqualTo("BOOL");
        assertThat(c.tensors().get("bytes").sourceDType()).isEqualTo("U8");
    }
}
