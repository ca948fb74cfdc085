package io.swin4j.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** A progress bar on stderr for runs of more than a handful of images on a terminal. */
final class BatchProgress implements AutoCloseable {

    private static final int HANDFUL = 8;
    private final ProgressBar bar;

    BatchProgress(String task, int total, boolean disabled) {
        boolean show = !disabled && total > HANDFUL && System.console() != null;
        bar = show ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" img", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null;
    }

    void step() {
        if (bar != null) bar.step();
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
