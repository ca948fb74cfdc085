package io.swin4j.weights.layout;

import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What loading a state dict into a config found: missing, unexpected and mis-shaped keys (a strict load
 * fails on any), and what was ignored on purpose (recomputed buffers) or noted (unwrapping, conversions).
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> shapeMismatches,
                         List<String> ignoredBuffers, List<String> notes) {

    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        shapeMismatches = List.copyOf(shapeMismatches);
        ignoredBuffers = List.copyOf(ignoredBuffers);
        notes = List.copyOf(notes);
    }

    /** Compares converted tensors with what {@code expected} (from {@link CanonicalKeys}) needs. */
    public static LoadReport compare(Map<String, long[]> expected, Map<String, HostTensor> canonical,
                                     List<String> unexpectedFromConversion, List<String> ignoredBuffers,
                                     List<String> notes) {
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(unexpectedFromConversion),
                mismatched = new ArrayList<>();
        expected.forEach((name, shape) -> {
            HostTensor t = canonical.get(name);
            if (t == null) missing.add(name + " " + Arrays.toString(shape));
            else if (!Arrays.equals(t.shape(), shape)) {
                mismatched.add(name + ": checkpoint " + t.shapeString() + ", model " + Arrays.toString(shape));
            }
        });
        canonical.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(unexpected::add);
        return new LoadReport(missing, unexpected, mismatched, ignoredBuffers, notes);
    }

    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && shapeMismatches.isEmpty();
    }

    public LoadReport withNote(String note) {
        List<String> n = new ArrayList<>(notes);
        n.add(note);
        return new LoadReport(missing, unexpected, shapeMismatches, ignoredBuffers, n);
    }

    /** Throws {@link CheckpointMismatchException} with this report unless it is clean. */
    public void requireClean(String source) {
        if (!isClean()) throw new CheckpointMismatchException(source + ": weights do not fit the model\n" + this);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        section(sb, "missing keys", missing);
        section(sb, "unexpected keys", unexpected);
        section(sb, "shape mismatches", shapeMismatches);
        if (!ignoredBuffers.isEmpty()) {
            sb.append("  ignored buffers (recomputed): ").append(ignoredBuffers.size()).append('\n');
        }
        if (isClean()) sb.append("  all parameters present with matching shapes\n");
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> items) {
        if (items.isEmpty()) return;
        sb.append("  ").append(title).append(" (").append(items.size()).append("):\n");
        items.stream().limit(20).forEach(i -> sb.append("    ").append(i).append('\n'));
        if (items.size() > 20) sb.append("    ... ").append(items.size() - 20).append(" more\n");
    }

    /** Weights that do not fit the requested model; the message is the full report. */
    public static class CheckpointMismatchException extends IllegalArgumentException {
        public CheckpointMismatchException(String message) {
            super(message);
        }
    }
}
