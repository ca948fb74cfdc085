package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a checkpoint's buffers say that its parameters do not: the effective window of each stage (from the shapes
 * of V2's relative_coords_table / relative_position_index) and V2's pretrained window of each stage (from the
 * values of the official relative_coords_table), plus notes made while converting (dropped tensors).
 *
 * @param stageWindows      stage → effective window M; empty when the file holds no such buffer
 * @param pretrainedWindows stage → pretrained window (0: the stage's own window); empty when unknown
 */
public record LayoutHints(SortedMap<Integer, Integer> stageWindows, SortedMap<Integer, Integer> pretrainedWindows,
                          List<String> notes) {

    public static LayoutHints none() {
        return new LayoutHints(new TreeMap<>(), new TreeMap<>(), new ArrayList<>());
    }

    /** What a known config says: every stage's window and pretrained window. */
    public static LayoutHints complete(SwinConfig c) {
        LayoutHints h = none();
        for (int i = 0; i < c.numStages(); i++) {
            h.stageWindows().put(i, c.stageWindow(i));
            h.pretrainedWindows().put(i, c.pretrainedWindow(i));
        }
        return h;
    }
}
