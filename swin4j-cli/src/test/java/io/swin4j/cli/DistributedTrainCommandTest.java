package io.swin4j.cli;

import io.swin4j.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin train --nproc} and the flags that join a job, as a user runs them. */
class DistributedTrainCommandTest {

    @Test
    void nprocTwoTrainsWithTwoProcessesAndRankZeroWritesTheRun(@TempDir Path tmp) throws Exception {
        Path[] made = TrainEvalCommandTest.tinyRun(tmp); // the ten-sample image folder and the tiny model's settings
        Path run = tmp.resolve("run");
        CliRun t = CliRun.of("train", "--output", run.toString(), "--config", made[1].toString(), "--dataset", "folder",
                "--data", made[0].toString(), "--epochs", "2", "--warmup-epochs", "0", "--batch-size", "4",
                "--nproc", "2", "--dist-timeout", "60", "--no-progress");
        assertThat(t.exit()).as(t.err()).isZero();
        // 10 images, global batch 4: 2 steps per epoch, each rank computing 2 images of each.
        assertThat(Files.readAllLines(run.resolve(Trainer.METRICS_JSONL)).stream().filter(l -> l.contains("\"step\"")).count()).isEqualTo(4);
        assertThat(run.resolve(Trainer.MODEL)).isRegularFile();
        assertThat(Files.readString(run.resolve(Trainer.CHECKPOINTS).resolve(Trainer.LATEST))).contains("epoch0002-batch000000");
        assertThat(Files.readString(run.resolve(Trainer.CONFIG_FILE))).contains("\"batchSize\" : 4");
    }

    @Test
    void badDistributedFlagsAreNamed() {
        CliRun both = CliRun.of("train", "--output", "x", "--nproc", "2", "--rank", "0");
        assertThat(both.exit()).isNotZero();
        assertThat(both.err()).contains("--nproc starts a job of its own; --rank, --world-size and --master join one");
        CliRun partial = CliRun.of("train", "--output", "x", "--rank", "1", "--world-size", "2");
        assertThat(partial.err()).contains("joining a job takes --rank, --world-size and --master together");
        CliRun master = CliRun.of("train", "--output", "x", "--rank", "1", "--world-size", "2", "--master", "nohost");
        assertThat(master.err()).contains("--master must be HOST:PORT, e.g. 10.0.0.1:29500, got 'nohost'");
        CliRun rank = CliRun.of("train", "--output", "x", "--rank", "2", "--world-size", "2", "--master", "127.0.0.1:1");
        assertThat(rank.err()).contains("the rank must be in [0, 2), got 2");
        CliRun zero = CliRun.of("train", "--output", "x", "--nproc", "0");
        assertThat(zero.err()).contains("--nproc must be >= 1, got 0");
        CliRun seg = CliRun.of("train", "--task", "segmentation", "--output", "x", "--nproc", "2");
        assertThat(seg.exit()).isNotZero();
        assertThat(seg.err()).contains("data-parallel training").contains("segmentation trains in one process");
    }
}
