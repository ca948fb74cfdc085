package io.swin4j.spark;

import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** On Spark local[2]: the DataFrame API and the spark-predict job against the core predictor on the same files. */
class SwinSparkPredictorTest {

    @TempDir
    static Path dir;
    static Path images;
    static SparkSession spark;
    static SwinPredictor core;

    @BeforeAll
    static void start() throws Exception {
        images = dir.resolve("images");
        Files.createDirectories(images.resolve("nested"));
        try (Stream<Path> samples = Files.list(Path.of("..", "samples"))) {
            for (Path p : (Iterable<Path>) samples::iterator) {
                Path target = p.getFileName().toString().compareTo("0008") < 0 ? images : images.resolve("nested");
                Files.copy(p, target.resolve(p.getFileName()));
            }
        }
        byte[] png = Files.readAllBytes(Path.of("..", "samples", "0009-sneaker.png"));
        Files.write(images.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 3));
        Files.writeString(images.resolve("notes.txt"), "not an image", StandardCharsets.UTF_8);
        spark = SparkSession.builder().master("local[2]").appName("swin4j-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        core = SwinPredictor.builder().build();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        if (core != null) core.close();
    }

    static Path local(String uri) {
        return Path.of(java.net.URI.create(uri));
    }

    @Test
    void classifiesEveryImageAsTheCorePredictorAndReportsBadFilesAsErrorRows() throws Exception {
        Dataset<Row> input = SwinSparkPredictor.readImages(spark, images.toString()).repartition(2);
        Dataset<Row> out = SwinSparkPredictor.builder().optTopK(5).optBatchSize(3).build().transform(input);
        assertThat(out.columns()).doesNotContain("content")
                .contains("path", "length", "label", "labels", "indices", "probabilities", "error");
        List<Row> rows = out.collectAsList();
        assertThat(rows).hasSize(12);
        int answered = 0;
        for (Row r : rows) {
            String path = r.getString(r.fieldIndex("path"));
            String error = r.getString(r.fieldIndex("error"));
            if (path.endsWith("truncated.png") || path.endsWith("notes.txt")) {
                assertThat(r.isNullAt(r.fieldIndex("label"))).isTrue();
                assertThat(r.isNullAt(r.fieldIndex("probabilities"))).isTrue();
                assertThat(error).as(path).startsWith(path + ": ")
                        .containsAnyOf("corrupt or truncated", "unsupported image format");
                continue;
            }
            assertThat(error).as(path).isNull();
            List<Prediction> want = core.classify(local(path), 5);
            List<Integer> indices = r.getList(r.fieldIndex("indices"));
            List<Float> probs = r.getList(r.fieldIndex("probabilities"));
            List<String> labels = r.getList(r.fieldIndex("labels"));
            for (int i = 0; i < 5; i++) {
                assertThat(indices.get(i)).as("%s rank %d", path, i).isEqualTo(want.get(i).index());
                assertThat((double) probs.get(i)).as("%s rank %d", path, i).isCloseTo(want.get(i).probability(), within(1e-5));
                assertThat(labels.get(i)).isEqualTo(want.get(i).label());
            }
            assertThat(r.getString(r.fieldIndex("label"))).isEqualTo(want.get(0).label());
            answered++;
        }
        assertThat(answered).isEqualTo(10);
    }

    @Test
    void embedsFromAPathColumnAsTheCorePredictor() throws Exception {
        List<String> paths = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("..", "samples"))) {
            s.sorted().limit(4).forEach(p -> paths.add(p.toAbsolutePath().normalize().toString()));
        }
        paths.add(images.resolve("missing.png").toString());
        Dataset<Row> input = spark.createDataset(paths, Encoders.STRING()).toDF("path");
        List<Row> rows = SwinSparkPredictor.builder().optOutput(SwinSparkPredictor.Output.EMBED).build()
                .transform(input).collectAsList();
        Map<String, Row> byPath = new HashMap<>();
        for (Row r : rows) byPath.put(r.getString(0), r);
        for (String p : paths.subList(0, 4)) {
            List<Float> e = byPath.get(p).getList(1);
            float[] want = core.embed(Path.of(p));
            assertThat(e).hasSize(want.length);
            for (int d = 0; d < want.length; d++) assertThat(e.get(d)).isCloseTo(want[d], within(1e-5f));
        }
        assertThat(byPath.get(paths.get(4)).getString(2)).contains("missing.png").contains("no such file");
    }

    @Test
    void int8OnTheExecutorsGivesTheFp32TopClassOnTheSamples() throws Exception {
        Dataset<Row> input = SwinSparkPredictor.readImages(spark, Path.of("..", "samples").toAbsolutePath().toString());
        Map<String, String> fp32 = new HashMap<>(), int8 = new HashMap<>();
        for (Row r : SwinSparkPredictor.builder().optTopK(1).build().transform(input).collectAsList()) {
            fp32.put(r.getString(r.fieldIndex("path")), r.getString(r.fieldIndex("label")));
        }
        for (Row r : SwinSparkPredictor.builder().optTopK(1).optPrecision("int8").build().transform(input).collectAsList()) {
            int8.put(r.getString(r.fieldIndex("path")), r.getString(r.fieldIndex("label")));
        }
        assertThat(int8).hasSize(10).isEqualTo(fp32);
        assertThatThrownBy(() -> SwinSparkPredictor.builder().optPrecision("int4"))
                .hasMessageContaining("unknown precision 'int4'");
    }

    @Test
    void onnxRuntimeOnTheExecutorsGivesTheLibtorchAnswers() throws Exception {
        Dataset<Row> input = SwinSparkPredictor.readImages(spark, images.toString()).repartition(2);
        List<Row> rows = SwinSparkPredictor.builder().optEngine("onnxruntime").optTopK(3).optBatchSize(4).build()
                .transform(input).collectAsList();
        assertThat(rows).hasSize(12);
        int answered = 0;
        for (Row r : rows) {
            String path = r.getString(r.fieldIndex("path"));
            if (path.endsWith("truncated.png") || path.endsWith("notes.txt")) {
                assertThat(r.getString(r.fieldIndex("error"))).as(path).startsWith(path + ": ");
                continue;
            }
            assertThat(r.getString(r.fieldIndex("error"))).as(path).isNull();
            List<Prediction> want = core.classify(local(path), 3);
            List<Integer> indices = r.getList(r.fieldIndex("indices"));
            List<Float> probs = r.getList(r.fieldIndex("probabilities"));
            for (int i = 0; i < 3; i++) {
                assertThat(indices.get(i)).as("%s rank %d", path, i).isEqualTo(want.get(i).index());
                double p = want.get(i).probability();
                assertThat((double) probs.get(i)).as("%s rank %d", path, i).isCloseTo(p, within(1e-5 * Math.max(p, 1e-3)));
            }
            answered++;
        }
        assertThat(answered).isEqualTo(10);

        assertThatThrownBy(() -> SwinSparkPredictor.builder().optEngine("tensorrt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown inference engine 'tensorrt'").hasMessageContaining("libtorch, onnxruntime");
        assertThatThrownBy(() -> SwinSparkPredictor.builder().optEngine("onnxruntime").optPrecision("int8").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("onnxruntime engine runs fp32 only");
        assertThatThrownBy(() -> SwinSparkPredictor.builder().optWeights("seg.safetensors").optEngine("onnxruntime")
                .optOutput(SwinSparkPredictor.Output.SEGMENT).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segmentation runs on the libtorch engine only");
    }

    @Test
    void refusesDataFramesWithoutAnImageOrPathColumn() {
        Dataset<Row> numbers = spark.range(3).toDF("id");
        assertThatThrownBy(() -> SwinSparkPredictor.builder().build().transform(numbers))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither an image column 'content' (binary) nor a path column 'path' (string)");
        assertThatThrownBy(() -> SwinSparkPredictor.builder().optBatchSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch size must be >= 1");
    }

    @Test
    void theJobWritesParquetThatReadsBackWithTheDocumentedSchema() throws Exception {
        String output = dir.resolve("out.parquet").toString();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new SparkPredictJob());
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("--input", images.toString(), "--output", output, "--master", "local[2]", "--top-k", "3");
        assertThat(exit).as("two images failed: exit 1, output written").isEqualTo(1);
        assertThat(err.toString()).contains("spark-predict: 12 images (2 failed)").contains("truncated.png");
        Dataset<Row> back = spark.read().parquet(output);
        StructType schema = back.schema();
        assertThat(schema.fieldNames()).containsExactly("path", "modificationTime", "length", "label", "labels",
                "indices", "probabilities", "error");
        assertThat(schema.apply("labels").dataType()).isEqualTo(DataTypes.createArrayType(DataTypes.StringType, true));
        assertThat(schema.apply("indices").dataType()).isEqualTo(DataTypes.createArrayType(DataTypes.IntegerType, true));
        assertThat(schema.apply("probabilities").dataType()).isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, true));
        Row boot = back.filter(back.col("path").endsWith("0000-ankle-boot.png")).first();
        assertThat(boot.getString(3)).isEqualTo("Ankle boot");
        assertThat(boot.getList(4)).hasSize(3);

        int again = new CommandLine(new SparkPredictJob()).setErr(new PrintWriter(new StringWriter()))
                .execute("--input", images.toString(), "--output", output, "--master", "local[2]");
        assertThat(again).as("the output exists and --overwrite was not given").isNotZero();
    }
}
