package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint as read from disk, before any layout conversion.
 *
 * @param file     where it came from
 * @param format   "torch-zip" or "safetensors"
 * @param tensors  the state dict after unwrapping ({@code model}, {@code state_dict}, {@code module.} ...), file order
 * @param metadata safetensors {@code __metadata__}, or for torch files the non-tensor top-level entries
 * @param notes    what the reader unwrapped or dropped, for the loading report
 * @param meta     a torch file's top-level {@code meta} entry (mmcv/mmengine checkpoints: config text, class names,
 *                 palette) as unpickled — Maps, Lists, Object[] tuples, Strings, numbers, booleans — or null
 */
public record Checkpoint(Path file, String format, Map<String, HostTensor> tensors, Map<String, String> metadata,
                         List<String> notes, Object meta) {

    /** A checkpoint without a {@code meta} entry. */
    public Checkpoint(Path file, String format, Map<String, HostTensor> tensors, Map<String, String> metadata,
                      List<String> notes) {
        this(file, format, tensors, metadata, notes, null);
    }
}
