package io.swin4j.spark;

import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * What fails a Spark task and what does not, on local[2,4] (up to 4 attempts per task, as a cluster's default):
 * an image that does not decode is an error row and nothing is retried; a failed forward pass or an Error fails the
 * task, Spark runs it again and the job ends with every row answered. Failures are injected through
 * {@link ExecutorModels#forward}; attempts are counted from Spark's own task-end events.
 */
class SparkRetryTest {

    @TempDir
    static Path dir;
    static Path images;
    static SparkSession spark;
    static SwinPredictor core;

    /** Each finished task attempt: its attempt number, and the failure Spark recorded (null when it succeeded). */
    record Attempt(int attempt, String failure) {}

    static final List<Attempt> ATTEMPTS = new CopyOnWriteArrayList<>();

    /** Not a VirtualMachineError: Spark fails the task with it (a fatal error would end the executor, here the JVM). */
    static final class InjectedError extends Error {
        InjectedError(String message) {
            super(message);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        images = dir.resolve("images");
        Files.createDirectories(images);
        try (Stream<Path> samples = Files.list(Path.of("..", "samples"))) {
            for (Path p : samples.sorted().limit(4).toList()) Files.copy(p, images.resolve(p.getFileName()));
        }
        spark = SparkSession.builder().master("local[2,4]").appName("swin4j-retry-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                ATTEMPTS.add(new Attempt(e.taskInfo().attemptNumber(),
                        e.reason() instanceof TaskFailedReason f ? f.toErrorString() : null));
            }
        });
        core = SwinPredictor.builder().build();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        if (core != null) core.close();
    }

    @BeforeEach
    @AfterEach
    void reset() {
        ExecutorModels.forward = SwinPredictor::forward;
        ATTEMPTS.clear();
    }

    /** The task attempts of the jobs run so far, once Spark has delivered their events. */
    static List<Attempt> attempts() throws Exception {
        spark.sparkContext().listenerBus().waitUntilEmpty();
        return List.copyOf(ATTEMPTS);
    }

    /** Classifies the images in one partition (one task), top-3. */
    static List<Row> classify() {
        Dataset<Row> input = SwinSparkPredictor.readImages(spark, images.toString()).coalesce(1);
        return SwinSparkPredictor.builder().optTopK(3).optBatchSize(2).build().transform(input).collectAsList();
    }

    /** Every image of the folder answered as the core predictor answers it, with no error. */
    static void assertAllAnswered(List<Row> rows) throws Exception {
        assertThat(rows).hasSize(4);
        for (Row r : rows) {
            String path = r.getString(r.fieldIndex("path"));
            assertThat(r.getString(r.fieldIndex("error"))).as(path).isNull();
            List<Prediction> want = core.classify(SwinSparkPredictorTest.local(path), 3);
            List<Integer> indices = r.getList(r.fieldIndex("indices"));
            List<Float> probs = r.getList(r.fieldIndex("probabilities"));
            for (int i = 0; i < 3; i++) {
                assertThat(indices.get(i)).as("%s rank %d", path, i).isEqualTo(want.get(i).index());
                assertThat((double) probs.get(i)).as("%s rank %d", path, i).isCloseTo(want.get(i).probability(), within(1e-5));
            }
        }
    }

    /** Fails the first forward pass of the JVM with {@code failure}, then runs the model. */
    static AtomicInteger failFirstForward(RuntimeException runtime, Error error) {
        AtomicInteger calls = new AtomicInteger();
        ExecutorModels.forward = (p, in) -> {
            if (calls.getAndIncrement() == 0) {
                if (error != null) throw error;
                throw runtime;
            }
            return p.forward(in);
        };
        return calls;
    }

    @Test
    void aTransientInferenceFailureFailsTheTaskAndTheRetryAnswersEveryRow() throws Exception {
        AtomicInteger calls = failFirstForward(new IllegalStateException("injected: device busy"), null);
        List<Row> rows = classify();
        assertAllAnswered(rows);
        List<Attempt> attempts = attempts();
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).attempt()).isZero();
        assertThat(attempts.get(0).failure()).contains("inference failed on a batch of 2 images").contains("injected: device busy");
        assertThat(attempts.get(1)).isEqualTo(new Attempt(1, null));
        assertThat(calls.get()).isEqualTo(1 + 2); // the failed pass, then the retried task's two batches
    }

    @Test
    void anErrorOnceFailsTheTaskAndTheRetryAnswersEveryRow() throws Exception {
        failFirstForward(null, new InjectedError("injected error"));
        assertAllAnswered(classify());
        List<Attempt> attempts = attempts();
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).failure()).contains("InjectedError").contains("injected error");
        assertThat(attempts.get(1)).isEqualTo(new Attempt(1, null));
    }

    @Test
    void anImageThatDoesNotDecodeIsAnErrorRowAndNothingIsRetried(@TempDir Path more) throws Exception {
        Path bad = more.resolve("notes.png");
        Files.writeString(bad, "not an image", StandardCharsets.UTF_8);
        Dataset<Row> input = SwinSparkPredictor.readImages(spark, bad.toString()).coalesce(1);
        List<Row> rows = SwinSparkPredictor.builder().optTopK(3).build().transform(input).collectAsList();
        assertThat(rows).hasSize(1);
        String path = rows.get(0).getString(rows.get(0).fieldIndex("path"));
        assertThat(path).endsWith("notes.png");
        assertThat(rows.get(0).getString(rows.get(0).fieldIndex("error"))).startsWith(path + ": ");
        assertThat(rows.get(0).isNullAt(rows.get(0).fieldIndex("label"))).isTrue();
        assertThat(attempts()).isNotEmpty().allSatisfy(a -> assertThat(a).isEqualTo(new Attempt(0, null)));
    }

    @Test
    void anInferenceFailureThatPersistsFailsTheJobAfterEveryAttemptWithTheReason() throws Exception {
        ExecutorModels.forward = (p, in) -> {
            throw new IllegalStateException("injected: always");
        };
        assertThatThrownBy(SparkRetryTest::classify).hasMessageContaining("inference failed on a batch of 2 images")
                .hasMessageContaining("injected: always");
        List<Attempt> attempts = attempts();
        assertThat(attempts).extracting(Attempt::attempt).containsExactly(0, 1, 2, 3);
        assertThat(attempts).allSatisfy(a -> assertThat(a.failure()).contains("injected: always"));
    }
}
