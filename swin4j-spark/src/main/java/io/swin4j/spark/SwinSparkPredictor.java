package io.swin4j.spark;

import io.swin4j.infer.ClassifyTask;
import io.swin4j.infer.EmbedTask;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.pipeline.ImageSource;
import io.swin4j.pipeline.Pipeline;
import io.swin4j.pipeline.Prepared;
import io.swin4j.pipeline.Result;
import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageLimits;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Swin inference as a DataFrame transformation: a DataFrame with an image column (the {@code content} of Spark's
 * {@code binaryFile} source) or a path column in, the same rows out with prediction or embedding columns added.
 * Each executor loads the model once and shares it between its tasks; each partition runs through the core
 * inference pipeline (decode, preprocess, batch, forward, post-process). An image that cannot be decoded gets null
 * results and an {@code error} message; the job goes on. A failure of the forward pass itself (the images decoded) or an
 * {@link Error} fails the task instead, so Spark runs it again, up to {@code spark.task.maxFailures} attempts
 * (default 4 on a cluster; in local mode give it in the master URL, {@code local[N,maxFailures]}: plain
 * {@code local[N]} tries each task once). A fatal JVM error (OutOfMemoryError) ends the executor as Spark always
 * does; its tasks run again on another one.
 *
 * <pre>{@code
 * Dataset<Row> images = SwinSparkPredictor.readImages(spark, "hdfs:///photos");
 * Dataset<Row> top5 = SwinSparkPredictor.builder().optWeights("hdfs:///models/swin_t.pth").optTopK(5)
 *         .optBatchSize(32).build().transform(images);
 * top5.select("path", "label", "probabilities", "error").write().parquet("hdfs:///out/top5.parquet");
 * }</pre>
 */
public final class SwinSparkPredictor implements Serializable {

    /** What the transform adds: top-k classes, the pooled embedding, or a segmentation (label PNG, class fractions). */
    public enum Output { CLASSIFY, EMBED, SEGMENT }

    public static final String ERROR = "error";
    public static final String LABEL = "label";
    public static final String LABELS = "labels";
    public static final String INDICES = "indices";
    public static final String PROBABILITIES = "probabilities";
    public static final String EMBEDDING = "embedding";
    /** Segmentation: the label map as an 8-bit palette PNG (pixel value = class index). */
    public static final String LABEL_PNG = "label_png";
    /** Segmentation: the share of the image of each class present, by class name. */
    public static final String CLASS_FRACTIONS = "class_fractions";

    private final SparkInferenceSettings settings;
    private final Output output;
    private final int topK;
    private final int batchSize;
    private final String imageColumn;
    private final String pathColumn;
    private final boolean keepImageColumn;
    private final ExecutorSegmenters.Settings segmentation;

    private SwinSparkPredictor(Builder b) {
        this.settings = new SparkInferenceSettings(b.weights, b.preset, b.maxPixels, b.threadsPerTask,
                b.precision, b.engine);
        this.output = b.output;
        this.topK = b.topK;
        this.batchSize = b.batchSize;
        this.imageColumn = b.imageColumn;
        this.pathColumn = b.pathColumn;
        this.keepImageColumn = b.keepImageColumn;
        if (b.output == Output.SEGMENT && b.weights == null) {
            throw new IllegalArgumentException("segmentation needs weights (optWeights): no segmentation model is bundled");
        }
        if (b.engine != null && !b.engine.equals(io.swin4j.infer.InferenceEngines.LIBTORCH) && b.precision != null
                && !b.precision.equals("fp32")) {
            throw new IllegalArgumentException("the " + b.engine + " engine runs fp32 only, not " + b.precision
                    + " (use the libtorch engine for bf16 and int8)");
        }
        if (b.output == Output.SEGMENT && b.engine != null && !b.engine.equals(io.swin4j.infer.InferenceEngines.LIBTORCH)) {
            throw new IllegalArgumentException("segmentation runs on the libtorch engine only, not " + b.engine);
        }
        this.segmentation = b.output != Output.SEGMENT ? null
                : new ExecutorSegmenters.Settings(b.weights, b.segmentationMode, b.flip, b.threadsPerTask);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a transform; {@code opt*} methods set what differs from the defaults. */
    public static final class Builder {
        private String weights;
        private String preset;
        private String precision;
        private String engine;
        private long maxPixels = ImageLimits.DEFAULT_MAX_PIXELS;
        private int threadsPerTask = 1;
        private Output output = Output.CLASSIFY;
        private int topK = 5;
        private int batchSize = 32;
        private String imageColumn = "content";
        private String pathColumn = "path";
        private boolean keepImageColumn;
        private String segmentationMode;
        private boolean flip;

        private Builder() {}

        /**
         * Segmentation ({@link Output#SEGMENT}): null for the checkpoint's test mode, {@code whole}, or
         * {@code slide,cropH,cropW,strideH,strideW}.
         */
        public Builder optSegmentationMode(String mode) {
            if (mode != null) new ExecutorSegmenters.Settings("x", mode, false, 1).apply(null); // checked here, on the driver
            segmentationMode = mode;
            return this;
        }

        /** Segmentation: add flip augmentation. */
        public Builder optFlip(boolean on) { flip = on; return this; }

        /** Checkpoint URI or path every executor can read (hdfs://, s3a://, file:, a local path); default: bundled model. */
        public Builder optWeights(String uri) { weights = uri; return this; }
        /** Preprocessing name (official_224, timm, torchvision_swin_t, hf, ...); default: the checkpoint's. */
        public Builder optPreset(String name) { preset = name; return this; }
        /** fp32, bf16 or int8 (default: the weights' own; int8 quantizes an fp32 model dynamically on each executor). */
        public Builder optPrecision(String p) {
            precision = p == null ? null : io.swin4j.model.Precision.parse(p).toString();
            return this;
        }
        /**
         * The inference engine on the executors: libtorch (default) or onnxruntime (swin4j-onnx on the executors'
         * class path; fp32).
         */
        public Builder optEngine(String name) {
            if (name != null) io.swin4j.infer.InferenceEngines.requireAvailable(name); // checked on the driver
            engine = name;
            return this;
        }
        public Builder optMaxPixels(long n) { maxPixels = positive(n, "max pixels"); return this; }
        /** Compute threads per task; set it to {@code spark.task.cpus} (default 1). */
        public Builder optThreadsPerTask(int n) { threadsPerTask = (int) positive(n, "threads per task"); return this; }
        public Builder optOutput(Output o) { output = java.util.Objects.requireNonNull(o); return this; }
        public Builder optTopK(int k) { topK = (int) positive(k, "top-k"); return this; }
        /** Images per forward pass within a partition (default 32). */
        public Builder optBatchSize(int n) { batchSize = (int) positive(n, "batch size"); return this; }
        /** The binary image column (default {@code content}, as Spark's binaryFile source names it). */
        public Builder optImageColumn(String name) { imageColumn = name; return this; }
        /** The path column: names images in errors, and is read when there is no image column (default {@code path}). */
        public Builder optPathColumn(String name) { pathColumn = name; return this; }
        /** Keep the image bytes in the output (default: dropped, they are usually the bulk of the data). */
        public Builder optKeepImageColumn(boolean keep) { keepImageColumn = keep; return this; }

        private static long positive(long n, String what) {
            if (n < 1) throw new IllegalArgumentException(what + " must be >= 1, got " + n);
            return n;
        }

        public SwinSparkPredictor build() {
            return new SwinSparkPredictor(this);
        }
    }

    /**
     * Images under a directory or glob (recursively, every file: what is not an image gets an error row) as Spark's
     * {@code binaryFile} source reads them: path, modificationTime, length, content.
     */
    public static Dataset<Row> readImages(SparkSession spark, String dirOrGlob) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(dirOrGlob);
    }

    /** The schema {@link #transform} produces for an input schema. */
    public StructType outputSchema(StructType input) {
        Source source = source(input);
        List<StructField> fields = new ArrayList<>();
        for (StructField f : input.fields()) {
            if (!keepImageColumn && source.imageIndex >= 0 && f.name().equals(imageColumn)) continue;
            fields.add(f);
        }
        if (output == Output.CLASSIFY) {
            fields.add(DataTypes.createStructField(LABEL, DataTypes.StringType, true));
            fields.add(DataTypes.createStructField(LABELS, DataTypes.createArrayType(DataTypes.StringType, false), true));
            fields.add(DataTypes.createStructField(INDICES, DataTypes.createArrayType(DataTypes.IntegerType, false), true));
            fields.add(DataTypes.createStructField(PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), true));
        } else if (output == Output.EMBED) {
            fields.add(DataTypes.createStructField(EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), true));
        } else {
            fields.add(DataTypes.createStructField(LABEL_PNG, DataTypes.BinaryType, true));
            fields.add(DataTypes.createStructField(CLASS_FRACTIONS,
                    DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false), true));
        }
        fields.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
        return DataTypes.createStructType(fields);
    }

    /** Where a row's image comes from: its bytes, or a path to read. */
    private record Source(int imageIndex, int pathIndex) implements Serializable {}

    private Source source(StructType input) {
        List<String> names = Arrays.asList(input.fieldNames());
        int image = names.indexOf(imageColumn);
        int path = names.indexOf(pathColumn);
        if (image >= 0 && !input.fields()[image].dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("column " + imageColumn + " is " + input.fields()[image].dataType().simpleString()
                    + ", not binary image content");
        }
        if (path >= 0 && !input.fields()[path].dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column " + pathColumn + " is " + input.fields()[path].dataType().simpleString()
                    + ", not a string path");
        }
        if (image < 0 && path < 0) {
            throw new IllegalArgumentException("the DataFrame has neither an image column '" + imageColumn
                    + "' (binary) nor a path column '" + pathColumn + "' (string); it has " + names);
        }
        for (String added : List.of(LABEL, LABELS, INDICES, PROBABILITIES, EMBEDDING, LABEL_PNG, CLASS_FRACTIONS, ERROR)) {
            if (names.contains(added)) throw new IllegalArgumentException("the DataFrame already has a column '" + added + "'");
        }
        return new Source(image, path);
    }

    /** The input rows with the results added (lazily, like any transformation). */
    public Dataset<Row> transform(Dataset<Row> df) {
        StructType out = outputSchema(df.schema());
        Source source = source(df.schema());
        return df.mapPartitions(new PartitionInference(this, source), Encoders.row(out));
    }

    /** Runs on the executors: batches of a partition's rows through the executor's model. */
    private static final class PartitionInference implements MapPartitionsFunction<Row, Row> {
        private final SwinSparkPredictor p;
        private final Source source;

        PartitionInference(SwinSparkPredictor p, Source source) {
            this.p = p;
            this.source = source;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            // Streams the partition a batch at a time: memory holds one batch, whatever the partition's size.
            return new Iterator<>() {
                private Iterator<Row> batch = java.util.Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    if (batch.hasNext()) return true;
                    if (!rows.hasNext()) return false;
                    List<Row> in = new ArrayList<>(p.batchSize);
                    while (in.size() < p.batchSize && rows.hasNext()) in.add(rows.next());
                    batch = p.runBatch(in, source).iterator();
                    return batch.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    return batch.next();
                }
            };
        }
    }

    private List<Row> runBatch(List<Row> rows, Source source) {
        if (output == Output.SEGMENT) return segmentBatch(rows, source);
        SwinPredictor predictor = ExecutorModels.get(settings);
        if (output == Output.CLASSIFY && predictor.config().numClasses() == 0) {
            // A setting error, not a bad image: fail the job with the reason.
            throw new IllegalArgumentException((settings.weights() == null ? "the model" : settings.weights())
                    + " has no classifier head (0 classes): embed instead (--embed, Output.EMBED)");
        }
        java.util.function.Function<List<float[]>, SwinPredictor.BatchOutput> forward =
                inputs -> ExecutorModels.forward.apply(predictor, inputs);
        List<Row> result = new ArrayList<>(rows.size());
        if (output == Output.CLASSIFY) {
            Pipeline<List<Prediction>> pipeline = pipeline(predictor,
                    new ClassifyTask(predictor.preset(), predictor.labels(), topK, forward));
            List<Result<List<Prediction>>> answers = infer(pipeline, rows, source);
            for (int i = 0; i < rows.size(); i++) {
                List<Object> values = kept(rows.get(i), source);
                Result<List<Prediction>> r = answers.get(i);
                if (!r.ok()) {
                    values.addAll(Arrays.asList(null, null, null, null));
                } else {
                    List<String> labels = new ArrayList<>(r.value().size());
                    List<Integer> indices = new ArrayList<>(r.value().size());
                    List<Float> probs = new ArrayList<>(r.value().size());
                    for (Prediction t : r.value()) {
                        labels.add(t.label());
                        indices.add(t.index());
                        probs.add((float) t.probability());
                    }
                    values.addAll(Arrays.asList(labels.get(0), seq(labels), seq(indices), seq(probs)));
                }
                values.add(r.error());
                result.add(RowFactory.create(values.toArray()));
            }
        } else {
            Pipeline<float[]> pipeline = pipeline(predictor, new EmbedTask(predictor.preset(), forward));
            List<Result<float[]>> answers = infer(pipeline, rows, source);
            for (int i = 0; i < rows.size(); i++) {
                List<Object> values = kept(rows.get(i), source);
                Result<float[]> r = answers.get(i);
                if (!r.ok()) {
                    values.add(null);
                } else {
                    List<Float> boxed = new ArrayList<>(r.value().length);
                    for (float v : r.value()) boxed.add(v);
                    values.add(seq(boxed));
                }
                values.add(r.error());
                result.add(RowFactory.create(values.toArray()));
            }
        }
        return result;
    }

    /** Segmentation rows: the label PNG and the class fractions, or nulls and the error. */
    private List<Row> segmentBatch(List<Row> rows, Source source) {
        SegmentationPredictor predictor = ExecutorSegmenters.get(segmentation);
        Pipeline<Segmentation> pipeline = predictor.pipeline(predictor.segmentTask())
                .withLimits(ImageLimits.DEFAULTS.withMaxPixels(settings.maxPixels())).withBatchSize(batchSize);
        List<Result<Segmentation>> answers = infer(pipeline, rows, source);
        List<Row> result = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<Object> values = kept(rows.get(i), source);
            Result<Segmentation> r = answers.get(i);
            if (!r.ok()) {
                values.addAll(Arrays.asList(null, null));
            } else {
                java.util.Map<String, Double> fractions = new java.util.LinkedHashMap<>();
                for (Segmentation.ClassShare c : r.value().classes()) fractions.merge(c.label(), c.fraction(), Double::sum);
                values.add(r.value().labelPng());
                values.add(scala.jdk.javaapi.CollectionConverters.asScala(fractions));
            }
            values.add(r.error());
            result.add(RowFactory.create(values.toArray()));
        }
        return result;
    }

    /** A task's pipeline on the executor's predictor, with this transform's limits and batch size. */
    private <O> Pipeline<O> pipeline(SwinPredictor predictor, io.swin4j.pipeline.Task<?, ?, O> task) {
        return predictor.pipeline(task).withLimits(ImageLimits.DEFAULTS.withMaxPixels(settings.maxPixels()))
                .withBatchSize(batchSize);
    }

    /**
     * The rows' images through every step of the pipeline: one result per row, in order, an image that cannot be
     * read or decoded a failed result ("name: reason").
     */
    private static <O> List<Result<O>> infer(Pipeline<O> pipeline, List<Row> rows, Source source) {
        List<Prepared<O>> prepared = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            String name = name(row, i, source);
            prepared.add(pipeline.prepare(ImageSource.reader(name, () -> readImage(row, source, name))));
        }
        try {
            return pipeline.complete(prepared);
        } catch (RuntimeException e) {
            // Not the images' fault (they decoded): fail the task, so Spark runs it again (spark.task.maxFailures),
            // perhaps elsewhere, instead of writing permanent error rows for a transient failure.
            List<Prepared<O>> ok = prepared.stream().filter(Prepared::ok).toList();
            throw new IllegalStateException("inference failed on a batch of " + ok.size() + " images (first: "
                    + (ok.isEmpty() ? "none" : ok.get(0).source()) + "): " + e.getMessage(), e);
        }
    }

    /** A row's image name: its path, else its place in the batch. */
    private static String name(Row row, int i, Source source) {
        return source.pathIndex >= 0 && !row.isNullAt(source.pathIndex) ? row.getString(source.pathIndex) : "row " + i;
    }

    /** The columns of an input row that the output keeps. */
    private List<Object> kept(Row row, Source source) {
        List<Object> values = new ArrayList<>(row.length() + 5);
        for (int c = 0; c < row.length(); c++) {
            if (!keepImageColumn && c == source.imageIndex) continue;
            values.add(row.get(c));
        }
        return values;
    }

    /** Spark's Row encoder takes arrays as Scala sequences. */
    private static scala.collection.Seq<?> seq(List<?> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list);
    }

    private static byte[] readImage(Row row, Source source, String name) throws java.io.IOException {
        if (source.imageIndex >= 0) {
            if (row.isNullAt(source.imageIndex)) throw new ImageDecodeException(name, "no image content (null)");
            return (byte[]) row.get(source.imageIndex);
        }
        if (row.isNullAt(source.pathIndex)) throw new ImageDecodeException(name, "no path (null)");
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(row.getString(source.pathIndex));
        // The executor's cached FileSystem (not closed: other tasks share it).
        try (var in = path.getFileSystem(ExecutorModels.hadoopConf()).open(path)) {
            return in.readAllBytes();
        } catch (java.io.FileNotFoundException e) {
            throw new ImageDecodeException(name, "no such file");
        }
    }
}
