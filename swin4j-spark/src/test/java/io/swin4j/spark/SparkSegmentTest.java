package io.swin4j.spark;

import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.model.SegmentationMode;
import io.swin4j.testing.TinySegmenters;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** On Spark local[2]: {@code --task segment} rows (label PNG bytes, class fractions) against the core task. */
class SparkSegmentTest {

    @TempDir
    static Path dir;
    static Path weights, images;
    static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        weights = TinySegmenters.write(dir.resolve("tiny_upernet.safetensors"), 9);
        images = Files.createDirectories(dir.resolve("images"));
        TinySegmenters.png(images.resolve("a.png"), 53, 37, 1);
        TinySegmenters.png(images.resolve("b.png"), 32, 40, 2);
        TinySegmenters.png(images.resolve("c.png"), 53, 37, 3);
        Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 9});
        spark = SparkSession.builder().master("local[2]").appName("swin4j-seg-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static byte[] labels(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        return ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    }

    static void checkRows(List<Row> rows, SegmentationMode mode) throws Exception {
        assertThat(rows).hasSize(4);
        try (SegmentationPredictor core = SegmentationPredictor.builder(weights).optMode(mode).build()) {
            for (Row r : rows) {
                String path = r.getString(r.fieldIndex("path"));
                if (path.endsWith("broken.png")) {
                    assertThat(r.getString(r.fieldIndex(SwinSparkPredictor.ERROR))).startsWith(path + ": ");
                    assertThat(r.isNullAt(r.fieldIndex(SwinSparkPredictor.LABEL_PNG))).isTrue();
                    assertThat(r.isNullAt(r.fieldIndex(SwinSparkPredictor.CLASS_FRACTIONS))).isTrue();
                    continue;
                }
                assertThat(r.isNullAt(r.fieldIndex(SwinSparkPredictor.ERROR))).as(path).isTrue();
                Segmentation want = core.segment(Path.of(java.net.URI.create(path)));
                assertThat(labels((byte[]) r.get(r.fieldIndex(SwinSparkPredictor.LABEL_PNG)))).as(path)
                        .isEqualTo(want.labels().labels());
                Map<String, Double> fractions = r.getJavaMap(r.fieldIndex(SwinSparkPredictor.CLASS_FRACTIONS));
                assertThat(fractions).hasSize(want.classes().size());
                for (Segmentation.ClassShare c : want.classes()) assertThat(fractions.get(c.label())).isEqualTo(c.fraction());
            }
        }
    }

    @Test
    void segmentRowsHoldTheCoreTasksLabelPngAndFractions() throws Exception {
        Dataset<Row> input = SwinSparkPredictor.readImages(spark, images.toString()).repartition(2);
        Dataset<Row> out = SwinSparkPredictor.builder().optWeights(weights.toString())
                .optOutput(SwinSparkPredictor.Output.SEGMENT).optBatchSize(3).build().transform(input);
        StructType schema = out.schema();
        assertThat(schema.apply(SwinSparkPredictor.LABEL_PNG).dataType()).isEqualTo(DataTypes.BinaryType);
        assertThat(schema.apply(SwinSparkPredictor.CLASS_FRACTIONS).dataType())
                .isEqualTo(DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false));
        assertThat(out.columns()).doesNotContain("content", "label", "embedding");
        checkRows(out.collectAsList(), SegmentationMode.whole());
    }

    @Test
    void theJobWritesSegmentParquetWithSlideAndFlip() throws Exception {
        Path parquet = dir.resolve("seg.parquet");
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new SparkPredictJob()).setErr(new PrintWriter(err)).execute("--weights", weights.toString(),
                "--input", images.toString(), "--output", parquet.toString(), "--task", "segment",
                "--mode", "slide,24,32,16,20", "--flip", "--batch-size", "2");
        assertThat(exit).as(err.toString()).isEqualTo(1); // broken.png
        assertThat(err.toString()).contains("broken.png").contains("4 images (1 failed)");
        checkRows(spark.read().parquet(parquet.toString()).collectAsList(), SegmentationMode.slide(24, 32, 16, 20).optFlip(true));
    }

    @Test
    void segmentNeedsWeightsAndAValidMode() {
        assertThatThrownBy(() -> SwinSparkPredictor.builder().optOutput(SwinSparkPredictor.Output.SEGMENT).build())
                .hasMessageContaining("no segmentation model is bundled");
        assertThatThrownBy(() -> SwinSparkPredictor.builder().optSegmentationMode("slide,1,2"))
                .hasMessageContaining("slide,cropH,cropW,strideH,strideW");
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new SparkPredictJob()).setErr(new PrintWriter(err)).execute("--input", images.toString(),
                "--output", dir.resolve("x.parquet").toString(), "--mode", "whole");
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("--mode and --flip are for --task segment");
    }
}
