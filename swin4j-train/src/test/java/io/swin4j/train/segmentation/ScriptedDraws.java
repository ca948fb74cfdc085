package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Replays the draws mmseg made (logged by make_seg_augment_fixtures.py), checking each call's kind and arguments. */
final class ScriptedDraws implements RandomDraws {

    private final List<JsonNode> draws = new ArrayList<>();
    private int next;

    ScriptedDraws(JsonNode log) {
        log.forEach(draws::add);
    }

    private JsonNode take(String kind) {
        assertThat(next).as("more draws than mmseg made").isLessThan(draws.size());
        JsonNode d = draws.get(next++);
        assertThat(d.get("kind").asText()).as("draw %d", next - 1).isEqualTo(kind);
        return d;
    }

    @Override
    public int randint(int low, int high) {
        JsonNode d = take("randint");
        assertThat(new int[] {low, high}).as("randint bounds of draw %d", next - 1)
                .containsExactly(d.get("args").get(0).asInt(), d.get("args").get(1).asInt());
        return d.get("value").asInt();
    }

    @Override
    public double uniform(double low, double high) {
        JsonNode d = take("uniform");
        assertThat(new double[] {low, high}).as("uniform bounds of draw %d", next - 1)
                .containsExactly(d.get("args").get(0).asDouble(), d.get("args").get(1).asDouble());
        return d.get("value").asDouble();
    }

    @Override
    public double random() {
        return take("random").get("value").asDouble();
    }

    /** Every recorded draw was asked for. */
    void assertConsumed() {
        assertThat(next).as("draws used of those mmseg made").isEqualTo(draws.size());
    }
}
