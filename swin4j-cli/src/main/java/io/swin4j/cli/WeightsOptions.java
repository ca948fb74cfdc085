package io.swin4j.cli;

import io.swin4j.hub.DownloadListener;
import io.swin4j.hub.ModelEntry;
import io.swin4j.hub.ModelRegistry;
import io.swin4j.hub.SwinModels;
import io.swin4j.hub.WeightsCache;
import io.swin4j.weights.LoadOptions;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** How a command loads a checkpoint: shared by every command that takes one. */
final class WeightsOptions {

    @Option(names = "--arch", paramLabel = "PRESET",
            description = "Cross-check the checkpoint against a named architecture preset (e.g. swin_tiny_patch4_window7_224).")
    String arch;

    @Option(names = "--non-strict",
            description = "Load even with missing, unexpected or mis-shaped keys (they are reported; missing ones are initialised).")
    boolean nonStrict;

    @Option(names = "--lenient-pickle",
            description = "Read training checkpoints that also pickle config objects: such objects become inert "
                    + "placeholders (nothing is run or instantiated); tensors load as usual.")
    boolean lenientPickle;

    /** The preset of the registry model that {@link #resolve} downloaded or found cached, when swin4j knows it. */
    private String registryPreset;

    LoadOptions toLoadOptions() {
        return LoadOptions.defaults().optPreset(arch != null ? arch : registryPreset).optStrict(!nonStrict)
                .optLenient(lenientPickle);
    }

    /**
     * The checkpoint file a {@code --weights} (or CKPT) value names: an existing path as it is; otherwise a model of
     * the registry ({@code swin models}), downloaded into the cache with a progress bar when it is not there yet.
     * Null stays null (the command's default).
     */
    Path resolve(Path weightsOrName, PrintWriter err) throws IOException {
        if (weightsOrName == null) return null;
        String value = weightsOrName.toString();
        if (java.nio.file.Files.exists(weightsOrName)) return weightsOrName;
        ModelRegistry registry = ModelRegistry.defaults();
        WeightsCache cache = WeightsCache.defaults();
        Path file = SwinModels.resolve(value, registry, cache, new Progress(err));
        registry.find(value).flatMap(ModelEntry::knownPreset).ifPresent(p -> registryPreset = p);
        return file;
    }

    /** A download progress bar on stderr (on a terminal), and one line naming what is downloaded where. */
    private static final class Progress implements DownloadListener {
        private final PrintWriter err;
        private ProgressBar bar;

        Progress(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void started(ModelEntry entry, long offset, long total) {
            err.println("downloading " + entry.name() + " from " + entry.url()
                    + (offset > 0 ? " (continuing from byte " + offset + ")" : ""));
            err.flush();
            if (System.console() == null) return;
            if (bar != null) bar.close();
            bar = new ProgressBarBuilder().setTaskName(entry.shortName()).setInitialMax(total)
                    .setUnit(" MiB", 1 << 20).showSpeed().setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            bar.stepTo(offset);
        }

        @Override
        public void progressed(long bytes, long total) {
            if (bar != null) bar.stepTo(bytes);
        }

        @Override
        public void finished(ModelEntry entry, Path file) {
            if (bar != null) bar.close();
            bar = null;
            err.println("saved " + file);
            err.flush();
        }
    }
}
