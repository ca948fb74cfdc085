package io.swin4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Children named 0, 1, 2, … as {@code nn.ModuleList}. */
final class ModuleList<M extends Module> extends Module {

    private final List<M> items = new ArrayList<>();

    M add(M module) {
        items.add(child(String.valueOf(items.size()), module));
        return module;
    }

    M get(int i) { return items.get(i); }

    int size() { return items.size(); }

    List<M> items() { return Collections.unmodifiableList(items); }
}
