package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.SyntheticImages;
import io.swin4j.train.dist.Distributed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.swin4j.train.TrainerTest.weights;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data-parallel training on libtorch's c10d/Gloo with real processes on loopback: two ranks × batch B/2 compute what one
 * process × batch B computes (weights, EMA, every logged loss, validation), and a rank killed mid-run stops the other
 * with a message naming it, leaving a checkpoint that one process resumes.
 */
class DistributedTrainingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void images() throws IOException {
        // 2 classes × 12 training images, global batch 8: 3 steps per epoch; 2 × 5 validation images (odd: unequal shares).
        data = SyntheticImages.imageFolder(shared.resolve("data"), 2, 12, 5, 28, 3);
    }

    /**
     * TrainerTest's tiny Swin with the recipe's pieces whose randomness does not depend on how the batch is split:
     * RandAugment, random resized crops, flips and erasing (drawn per sample), label smoothing, clipping, warm-up and
     * cosine schedule, EMA. Off: Mixup/CutMix (pairs form within a rank's share) and drop path (drawn per rank).
     */
    static TrainConfig config(Path data, int epochs) {
        TrainConfig c = TrainerTest.config(data);
        c.epochs = epochs;
        c.mixup = 0;
        c.cutmix = 0;
        c.dropPath = 0;
        c.workers = 1;
        c.threads = 1;
        return c;
    }

    /** A rank's JVM: {@code run data rank world port epochs timeoutSeconds [resume]}. */
    public static void main(String[] args) throws IOException {
        Path run = Path.of(args[0]);
        int rank = Integer.parseInt(args[2]), world = Integer.parseInt(args[3]), port = Integer.parseInt(args[4]);
        Distributed d = Distributed.of(rank, world, "127.0.0.1", port).optTimeout(Duration.ofSeconds(Long.parseLong(args[6])))
                .optOverlap(Boolean.parseBoolean(System.getProperty("swin4j.test.overlap", "true")));
        Trainer.Listener log = new Trainer.Listener() {
            @Override public void message(String m) { System.err.println(m); }
        };
        TrainConfig cfg = config(Path.of(args[1]), Integer.parseInt(args[5]));
        cfg.accumulationSteps = Integer.getInteger("swin4j.test.accumulation", 1);
        cfg.batchSize /= cfg.accumulationSteps;
        if (rank > 0) cfg.seed += 1000; // rank 0's settings are the run's: the others' must not matter
        try (Trainer t = args.length > 7 ? Trainer.resume(run, log, d) : Trainer.start(cfg, run, log, d)) {
            t.run();
            System.err.println("rank " + rank + " done: " + t.completedEpochs() + " epochs, " + t.communicationSeconds() + " s in collectives");
        } catch (RuntimeException e) {
            System.err.println("rank " + rank + " failed: " + e.getMessage());
            e.printStackTrace();
            System.exit(2);
        }
        System.exit(0);
    }

    static List<Process> ranks(Path run, Path logs, int world, int epochs, int timeoutSeconds, boolean resume) throws IOException {
        return ranks(run, logs, world, epochs, timeoutSeconds, resume, true, 1);
    }

    static List<Process> ranks(Path run, Path logs, int world, int epochs, int timeoutSeconds, boolean resume, boolean overlap,
                               int accumulation) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int port = io.swin4j.train.dist.LocalLauncher.freePort();
        Files.createDirectories(logs);
        List<Process> ps = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                    "-Dswin4j.test.overlap=" + overlap, "-Dswin4j.test.accumulation=" + accumulation, "-cp",
                    System.getProperty("java.class.path"), DistributedTrainingTest.class.getName(), run.toString(), data.toString(),
                    String.valueOf(r), String.valueOf(world), String.valueOf(port), String.valueOf(epochs), String.valueOf(timeoutSeconds)));
            if (resume) cmd.add("resume");
            ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve("rank" + r + ".log").toFile()).start());
        }
        return ps;
    }

    static int await(Process p, long seconds, Path log) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("a rank did not end in " + seconds + " s: " + Files.readString(log));
        }
        return p.exitValue();
    }

    /** ‖a − b‖ / ‖b‖ per tensor (0 for equal zero tensors). */
    static double relativeError(HostTensor a, HostTensor b) {
        double num = 0, den = 0;
        float[] x = a.data(), y = b.data();
        for (int i = 0; i < y.length; i++) {
            num += (x[i] - y[i]) * (double) (x[i] - y[i]);
            den += (double) y[i] * y[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /**
     * Per tensor within {@code rel}, but for the key third of each {@code qkv.bias}: a key bias adds the same q·b to every
     * logit of a query's softmax row, so its gradient is zero in exact arithmetic and rounding noise (~1e-9, different
     * for any other split of the batch, or thread count) is all AdamW sees; it normalises that noise into steps of
     * about ±lr. Those elements are checked against that bound instead (steps × peak lr), and everything else at
     * {@code rel}.
     */
    static void assertClose(Map<String, HostTensor> actual, Map<String, HostTensor> expected, double rel, double keyBiasBound) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String k : expected.keySet()) {
            HostTensor a = actual.get(k), b = expected.get(k);
            assertThat(a.shape()).as(k).isEqualTo(b.shape());
            if (k.endsWith("attn.qkv.bias")) {
                int c = b.data().length / 3;
                float[] x = a.data().clone(), y = b.data().clone();
                for (int i = c; i < 2 * c; i++) {
                    assertThat((double) Math.abs(x[i] - y[i])).as("key bias %s[%d]", k, i).isLessThanOrEqualTo(keyBiasBound);
                    x[i] = y[i] = 0;
                }
                a = HostTensor.of(x, a.shape());
                b = HostTensor.of(y, b.shape());
            }
            assertThat(relativeError(a, b)).as("relative error of %s", k).isLessThanOrEqualTo(rel);
        }
    }

    static List<JsonNode> events(Path run, String event) throws IOException {
        return new RunDirectory(run).readJsonl(event);
    }

    /**
     * Both gradient engines (DDP's reducer overlapping the backward pass; flat buckets after it), and gradient
     * accumulation (2 micro-batches of 4 per step: the ranks accumulate locally and average once per step).
     */
    @ParameterizedTest(name = "overlap {0}, accumulation {1}")
    @org.junit.jupiter.params.provider.CsvSource({"true, 1", "false, 1", "true, 2"})
    void twoRanksOfHalfTheBatchTrainAsOneProcessOfTheWholeBatch(boolean overlap, int accumulation, @TempDir Path tmp) throws Exception {
        Path single = tmp.resolve("single"), dual = tmp.resolve("dual");
        TrainConfig one = config(data, 2);
        one.accumulationSteps = accumulation;
        one.batchSize /= accumulation;
        try (Trainer t = Trainer.start(one, single, null)) {
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        List<Process> ps = ranks(dual, tmp.resolve("logs"), 2, 2, 60, false, overlap, accumulation);
        for (int r = 0; r < 2; r++) {
            Path log = tmp.resolve("logs").resolve("rank" + r + ".log");
            assertThat(await(ps.get(r), 180, log)).as("rank %d: %s", r, Files.readString(log)).isZero();
        }

        // 6 AdamW steps at a peak lr of baseLr × 8 / 512.
        double keyBias = 6 * config(data, 2).baseLr * 8 / 512;
        assertClose(weights(dual.resolve(Trainer.MODEL)), weights(single.resolve(Trainer.MODEL)), 1e-5, keyBias);
        String last = "epoch0002-batch000000";
        assertClose(weights(dual.resolve(Trainer.CHECKPOINTS).resolve(last).resolve("ema.safetensors")),
                weights(single.resolve(Trainer.CHECKPOINTS).resolve(last).resolve("ema.safetensors")), 1e-5, keyBias);
        List<JsonNode> steps = events(dual, "step"), expected = events(single, "step");
        assertThat(steps).hasSize(6 * accumulation).hasSameSizeAs(expected);
        for (int i = 0; i < steps.size(); i++) {
            assertThat(steps.get(i).get("optimizerStep").asLong()).isEqualTo(expected.get(i).get("optimizerStep").asLong());
            assertThat(steps.get(i).get("lr").asDouble()).isEqualTo(expected.get(i).get("lr").asDouble());
            assertThat(steps.get(i).get("loss").asDouble()).as("loss of step %d", i)
                    .isCloseTo(expected.get(i).get("loss").asDouble(), org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
        List<JsonNode> epochs = events(dual, "epoch"), expectedEpochs = events(single, "epoch");
        for (int e = 0; e < 2; e++) {
            // Validation over both shards (5 + 5 images split 3/2 and 2/3 per batch) counts every image once.
            assertThat(epochs.get(e).get("valTop1").asDouble()).isEqualTo(expectedEpochs.get(e).get("valTop1").asDouble());
            assertThat(epochs.get(e).get("trainTop1").asDouble()).isEqualTo(expectedEpochs.get(e).get("trainTop1").asDouble());
            assertThat(epochs.get(e).get("valLoss").asDouble()).isCloseTo(expectedEpochs.get(e).get("valLoss").asDouble(),
                    org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
        // Only rank 0 wrote: one metrics log, one line per step.
        assertThat(Files.readAllLines(dual.resolve(Trainer.METRICS_CSV))).hasSize(1 + 2);
        assertThat(Files.readString(tmp.resolve("logs").resolve("rank1.log"))).contains("rank 1 done: 2 epochs")
                .contains("[rank 1] its settings differ from rank 0's; rank 0's are the run's");
    }

    /** One process trains epoch 1 of {@code config(data, 2)} and stops with its checkpoint. */
    static void firstEpochAlone(Path run) throws IOException {
        Trainer[] holder = new Trainer[1];
        try (Trainer t = Trainer.start(config(data, 2), run, TrainerTest.listener(s -> {}, e -> holder[0].requestStop()))) {
            holder[0] = t;
            assertThat(t.run()).isEqualTo(Trainer.Outcome.STOPPED);
        }
    }

    static void awaitAll(List<Process> ps, Path logs, boolean success) throws Exception {
        for (int r = 0; r < ps.size(); r++) {
            Path log = logs.resolve("rank" + r + ".log");
            int status = await(ps.get(r), 180, log);
            if (success) assertThat(status).as("rank %d: %s", r, Files.readString(log)).isZero();
            else assertThat(status).as("rank %d: %s", r, Files.readString(log)).isNotZero();
        }
    }

    @Test
    void aOneProcessCheckpointResumesOnTwoRanksAndContinuesTheSameRun(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), run = tmp.resolve("run");
        try (Trainer t = Trainer.start(config(data, 2), straight, null)) {
            t.run();
        }
        firstEpochAlone(run);
        // Rank 1 gets the checkpoint from rank 0 (nothing shared but the data).
        awaitAll(ranks(run, tmp.resolve("logs"), 2, 2, 60, true), tmp.resolve("logs"), true);
        assertClose(weights(run.resolve(Trainer.MODEL)), weights(straight.resolve(Trainer.MODEL)), 1e-5, 3 * config(data, 2).baseLr * 8 / 512);
        assertThat(events(run, "step")).hasSize(6);
        assertThat(events(run, "epoch").get(1).get("valTop1").asDouble()).isEqualTo(events(straight, "epoch").get(1).get("valTop1").asDouble());
    }

    @Test
    void aLossThatTurnsNonFiniteStopsEveryRankAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run"), logs = tmp.resolve("logs");
        firstEpochAlone(run);
        Path good = run.resolve("checkpoints/epoch0001-batch000000");
        Map<String, HostTensor> goodWeights = weights(good.resolve(Trainer.MODEL));
        com.fasterxml.jackson.databind.node.ObjectNode cfg = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                run.resolve(Trainer.CONFIG_FILE).toFile());
        cfg.put("baseLr", 1e30);
        cfg.put("clipGrad", 0.0);
        JSON.writeValue(run.resolve(Trainer.CONFIG_FILE).toFile(), cfg);
        awaitAll(ranks(run, logs, 2, 2, 60, true), logs, false);
        for (int r = 0; r < 2; r++) {
            // Both ranks stop at the same step with the same decision, naming the rank(s) whose loss it was.
            assertThat(Files.readString(logs.resolve("rank" + r + ".log"))).contains("rank " + r + " failed: the loss became")
                    .containsPattern("epoch 2, batch \\d \\(optimizer step \\d+\\) on ranks? [01]").contains("last good checkpoint is kept");
        }
        assertThat(Files.readString(run.resolve("checkpoints/latest.json"))).contains("epoch0001-batch000000");
        assertThat(weights(good.resolve(Trainer.MODEL))).isEqualTo(goodWeights);
    }

    static void awaitCheckpoint(List<Process> ps, Path run, Path logs) throws IOException {
        Path latest = run.resolve(Trainer.CHECKPOINTS).resolve(Trainer.LATEST);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.exists(latest)) {
            assertThat(ps.stream().allMatch(Process::isAlive)).as("the ranks ended before a checkpoint: %s",
                    Files.readString(logs.resolve("rank0.log"))).isTrue();
            assertThat(System.nanoTime()).as("no checkpoint in 2 minutes").isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void aFrozenRankIsNamedWhenTheTimeoutPasses(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run"), logs = tmp.resolve("logs");
        List<Process> ps = ranks(run, logs, 2, 30, 5, false);
        try {
            awaitCheckpoint(ps, run, logs);
            // SIGSTOP: rank 1 neither dies nor answers (a hung process); only the timeout can tell.
            assertThat(new ProcessBuilder("kill", "-STOP", String.valueOf(ps.get(1).pid())).start().waitFor()).isZero();
            long t0 = System.nanoTime();
            Path log = logs.resolve("rank0.log");
            assertThat(await(ps.get(0), 60, log)).as(Files.readString(log)).isNotZero();
            assertThat((System.nanoTime() - t0) / 1e9).as("seconds to give up").isBetween(4.0, 5 + 3 + 10.0);
            assertThat(Files.readString(log)).contains("rank 0 failed").contains("rank 1 does not respond");
        } finally {
            ps.get(1).destroyForcibly();
        }
        assertThat(new RunDirectory(run).latestCheckpoint().resolve("state.json")).isRegularFile();
    }

    @ParameterizedTest(name = "rank {0} killed")
    @ValueSource(ints = {1, 0})
    void aKilledRankStopsTheOtherAndOneProcessResumesTheCheckpoint(int killed, @TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run"), logs = tmp.resolve("logs");
        int epochs = 30;
        List<Process> ps = ranks(run, logs, 2, epochs, 20, false);
        awaitCheckpoint(ps, run, logs);
        ps.get(killed).destroyForcibly();
        assertThat(ps.get(killed).waitFor()).isEqualTo(128 + 9);
        int survivor = 1 - killed;
        long t0 = System.nanoTime();
        Path survivorLog = logs.resolve("rank" + survivor + ".log");
        assertThat(await(ps.get(survivor), 60, survivorLog)).as(Files.readString(survivorLog)).isNotZero();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).as("seconds to notice").isLessThan(20 + 10);
        assertThat(Files.readString(survivorLog)).contains("rank " + survivor + " failed").contains("rank " + killed);

        // The run directory holds a complete checkpoint (rank 0 never wrote a partial one), and one process resumes it.
        Path ckpt = new RunDirectory(run).latestCheckpoint();
        assertThat(ckpt.resolve("state.json")).isRegularFile();
        assertThat(ckpt.resolve(Trainer.MODEL)).isRegularFile();
        int done;
        try (Trainer t = Trainer.resume(run, null)) {
            done = t.completedEpochs();
            assertThat(done).isBetween(1, epochs - 1);
            t.config().epochs = done + 1; // continue for one more epoch, not the whole schedule
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
            assertThat(t.completedEpochs()).isEqualTo(done + 1);
        }
        assertThat(events(run, "epoch")).hasSize(done + 1);
    }
}
