package io.swin4j.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * Classify or embed every image under a directory or glob with Spark and write Parquet. The same class is
 * {@code swin spark-predict} and the main class for {@code spark-submit} (see README, Run on Spark).
 */
@Command(name = "spark-predict", mixinStandardHelpOptions = true,
        description = {"Classify, embed or segment every image under a directory or glob on Apache Spark and write Parquet:",
                "the input's path, length and modificationTime, then label, labels, indices, probabilities (top-k),",
                "embedding, or label_png and class_fractions (--task segment), and error (null when the image was",
                "answered). Images that cannot be decoded get an error",
                "row and the job goes on; the exit status is 1 if any did."})
public final class SparkPredictJob implements Callable<Integer> {

    @Option(names = "--weights", paramLabel = "URI",
            description = "Checkpoint every executor can read: a path, file:, hdfs://, s3a:// ..., or a registry name (swin models; "
                    + "fetched into the driver's cache, so local mode only) (default: the bundled Fashion-MNIST Swin).")
    String weights;

    @Option(names = "--input", required = true, paramLabel = "DIR_OR_GLOB", description = "Images: a directory (recursive) or a glob, any Hadoop URI.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "OUT.parquet", description = "Parquet output directory.")
    String output;

    @Option(names = "--overwrite", description = "Replace the output if it exists (default: refuse).")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2,4] (default: spark-submit's, else local[*,4]: up to 4 attempts per task).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "Spark setting, repeatable (e.g. --conf spark.task.cpus=2: two compute threads per task).")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    @Option(names = "--embed", description = "Write pooled embeddings instead of top-k classes (= --task embed).")
    boolean embed;

    /** What the job writes per image. */
    enum TaskName { classify, embed, segment }

    @Option(names = "--task", paramLabel = "TASK",
            description = "classify (top-k), embed (pooled embedding) or segment (a segmentation checkpoint: label_png, "
                    + "the label map as a palette PNG, and class_fractions, a map of class name to share) "
                    + "(default: classify, or embed with --embed).")
    TaskName task;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "segment: whole, or slide,cropH,cropW,strideH,strideW (default: the checkpoint's test mode).")
    String mode;

    @Option(names = "--flip", description = "segment: add flip augmentation.")
    boolean flip;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "Classes per image (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Images per forward pass in a task (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", paramLabel = "N", description = "Repartition the input into N partitions (default: as read).")
    Integer partitions;

    @Option(names = "--preset", paramLabel = "NAME", description = "Preprocessing (default: the checkpoint's).")
    String preset;

    @Option(names = {"--precision", "--dtype"}, paramLabel = "fp32|bf16|int8",
            description = "Compute precision (default: the weights' own; int8 quantizes an fp32 model dynamically).")
    String precision;

    @Option(names = "--engine", paramLabel = "libtorch|onnxruntime",
            description = "Inference engine on the executors (default: libtorch; onnxruntime runs swin4j's ONNX graph, fp32).")
    String engine;

    @Option(names = "--max-pixels", paramLabel = "N", description = "Refuse images with more pixels (default: Pillow's 89,478,485).")
    Long maxPixels;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkPredictJob()).execute(args));
    }

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        SparkSession.Builder builder = SparkSession.builder().appName("swin4j spark-predict");
        conf.forEach(builder::config);
        if (master != null) builder.master(master);
        // Up to 4 attempts per task, as on a cluster (plain local[*] tries once): a transient failure is retried.
        else if (System.getProperty("spark.master") == null) builder.master("local[*,4]");
        long start = System.nanoTime();
        // Inside an application that already has a session (a test, a notebook), use it and leave it running.
        boolean own = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = builder.getOrCreate();
        try {
            int taskCpus = Integer.parseInt(spark.conf().get("spark.task.cpus", "1"));
            SwinSparkPredictor.Builder b = SwinSparkPredictor.builder().optWeights(registryOrUri(weights)).optPreset(preset)
                    .optPrecision(precision).optEngine(engine).optTopK(topK).optBatchSize(batchSize).optThreadsPerTask(taskCpus)
                    .optOutput(output()).optSegmentationMode(mode).optFlip(flip);
            if (maxPixels != null) b.optMaxPixels(maxPixels);
            SwinSparkPredictor predictor = b.build();
            Dataset<Row> images = SwinSparkPredictor.readImages(spark, input);
            if (partitions != null) images = images.repartition(partitions);
            long ready = System.nanoTime();
            predictor.transform(images).write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(output);
            double seconds = (System.nanoTime() - ready) / 1e9;
            Dataset<Row> written = spark.read().parquet(output);
            long total = written.count();
            long failed = written.filter(functions.col(SwinSparkPredictor.ERROR).isNotNull()).count();
            for (Row r : written.filter(functions.col(SwinSparkPredictor.ERROR).isNotNull())
                    .select(SwinSparkPredictor.ERROR).limit(20).collectAsList()) {
                err.println("error: " + r.getString(0));
            }
            if (failed > 20) err.println("... and " + (failed - 20) + " more (see the error column)");
            err.printf("spark-predict: %d images (%d failed) in %.1f s = %.1f img/s on %s, %d partitions"
                            + " (decode, inference and Parquet write; Spark start-up %.1f s) -> %s%n",
                    total, failed, seconds, total / seconds, spark.sparkContext().master(),
                    images.rdd().getNumPartitions(), (ready - start) / 1e9, output);
            err.flush();
            return failed == 0 ? 0 : 1;
        } finally {
            if (own) spark.stop();
        }
    }

    /** The transform's output: {@code --task}, with {@code --embed} kept as its older spelling of embed. */
    private SwinSparkPredictor.Output output() {
        if (embed && task != null && task != TaskName.embed) {
            throw new IllegalArgumentException("--embed and --task " + task + " disagree");
        }
        TaskName t = task != null ? task : embed ? TaskName.embed : TaskName.classify;
        if (t != TaskName.segment && (mode != null || flip)) throw new IllegalArgumentException("--mode and --flip are for --task segment");
        if (t == TaskName.segment && weights == null) {
            throw new IllegalArgumentException("--task segment needs --weights: no segmentation model is bundled with swin4j");
        }
        return switch (t) {
            case classify -> SwinSparkPredictor.Output.CLASSIFY;
            case embed -> SwinSparkPredictor.Output.EMBED;
            case segment -> SwinSparkPredictor.Output.SEGMENT;
        };
    }

    /**
     * A URI (with a scheme) stays as given; a path or registry name becomes a local file ({@link
     * io.swin4j.hub.SwinModels#resolve}: an existing path as it is, a registry name its file in the cache).
     */
    static String registryOrUri(String weights) throws java.io.IOException {
        if (weights == null || weights.contains(":")) return weights;
        return io.swin4j.hub.SwinModels.resolve(weights).toString();
    }
}
