package io.swin4j.cli;

import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.serve.ServeOptions;
import io.swin4j.serve.SwinServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the model over HTTP: POST /v1/classify, POST /v1/embed, POST /v1/attention (a classifier),",
                "POST /v1/segment (a segmentation checkpoint: --mode/--crop/--stride/--flip/--scale apply), GET /v1/model,",
                "GET /healthz, GET /readyz, GET /metrics (Prometheus) and a web page at /. Concurrent requests share",
                "forward passes (micro-batching). Stops gracefully on SIGTERM or Ctrl-C: in-flight requests finish."})
final class ServeCommand extends WeightsCommand {

    private static final ServeOptions DEFAULTS = ServeOptions.defaults();

    @Mixin
    ModelOptions model;

    @Mixin
    SegmentOptions segment;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default: ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for all).")
    String host = DEFAULTS.host();

    @Option(names = "--port", paramLabel = "N", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = DEFAULTS.port();

    @Option(names = "--max-batch", paramLabel = "N", description = "Most images in one forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch = DEFAULTS.maxBatch();

    @Option(names = "--max-wait-ms", paramLabel = "MS", description = "Longest an image waits for others to share its forward pass (default: ${DEFAULT-VALUE}).")
    long maxWaitMs = DEFAULTS.maxWaitMillis();

    @Option(names = "--queue", paramLabel = "N", description = "Images waiting for a batch before requests get 503 (default: ${DEFAULT-VALUE}).")
    int queue = DEFAULTS.queueCapacity();

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Longest a request waits for its answer before 504 (default: ${DEFAULT-VALUE}).")
    long timeoutMs = DEFAULTS.timeoutMillis();

    @Option(names = "--max-body-mb", paramLabel = "MB", description = "Request body limit, 413 above it (default: ${DEFAULT-VALUE}).")
    double maxBodyMb = DEFAULTS.maxBodyBytes() / (double) (1 << 20);

    @Option(names = "--max-image-mb", paramLabel = "MB", description = "One image (a raw body or a multipart part) above this gets 413, checked while parsing (default: ${DEFAULT-VALUE}).")
    double maxImageMb = DEFAULTS.maxImageBytes() / (double) (1 << 20);

    @Option(names = "--max-images", paramLabel = "N", description = "Images in one multipart request (default: ${DEFAULT-VALUE}).")
    int maxImages = DEFAULTS.maxImages();

    @Option(names = "--max-pixels", paramLabel = "N", description = "Refuse images with more pixels (decompression bombs; default: ${DEFAULT-VALUE}).")
    long maxPixels = DEFAULTS.maxPixels();

    @Option(names = "--http-threads", paramLabel = "N", description = "Request workers: they decode, preprocess and wait for the batch; no worker is held while a body uploads (default: ${DEFAULT-VALUE}).")
    int httpThreads = DEFAULTS.threads();

    @Option(names = "--work-queue", paramLabel = "N", description = "Complete requests waiting for a worker before new ones get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int workQueue = DEFAULTS.workQueue();

    @Option(names = "--max-decodes", paramLabel = "N", description = "Images decoded at once (a decode can take hundreds of MB); 503 when no slot frees up within --timeout-ms (default: ${DEFAULT-VALUE}).")
    int maxDecodes = DEFAULTS.maxDecodes();

    @Option(names = "--max-connections", paramLabel = "N", description = "Open connections; one more gets 503 with Retry-After and is closed (default: ${DEFAULT-VALUE}).")
    int maxConnections = DEFAULTS.maxConnections();

    @Option(names = "--header-timeout-ms", paramLabel = "MS", description = "From a connection's opening (or its previous response) to the end of the request headers; then 408 and close (default: ${DEFAULT-VALUE}).")
    long headerTimeoutMs = DEFAULTS.headerTimeoutMillis();

    @Option(names = "--body-timeout-ms", paramLabel = "MS", description = "From the end of the headers to the end of the body; then 408 and close (default: ${DEFAULT-VALUE}).")
    long bodyTimeoutMs = DEFAULTS.bodyTimeoutMillis();

    @Option(names = "--request-timeout-ms", paramLabel = "MS", description = "From the end of the headers to the last byte of the response; then the connection is closed (default: ${DEFAULT-VALUE}).")
    long requestTimeoutMs = DEFAULTS.requestTimeoutMillis();

    @Option(names = "--ready-stall-seconds", paramLabel = "S", description = "/readyz answers 503 when images are queued and no batch has finished for this long (default: ${DEFAULT-VALUE}).")
    int readyStallSeconds = DEFAULTS.readyStallSeconds();

    @Option(names = "--drain-seconds", paramLabel = "S", description = "On shutdown, how long in-flight requests may take (default: ${DEFAULT-VALUE}).")
    int drainSeconds = DEFAULTS.drainSeconds();

    @Override
    public Integer call() throws Exception {
        long maxBody = Math.round(maxBodyMb * (1 << 20));
        ServeOptions options = DEFAULTS.optHost(host).optPort(port).optMaxBatch(maxBatch).optMaxWaitMillis(maxWaitMs)
                .optQueueCapacity(queue).optTimeoutMillis(timeoutMs).optMaxBodyBytes(maxBody).optMaxImages(maxImages)
                .optMaxPixels(maxPixels).optThreads(httpThreads).optDrainSeconds(drainSeconds)
                .optMaxImageBytes(Math.round(maxImageMb * (1 << 20))).optWorkQueue(workQueue).optMaxDecodes(maxDecodes)
                .optMaxConnections(maxConnections).optHeaderTimeoutMillis(headerTimeoutMs)
                .optBodyTimeoutMillis(bodyTimeoutMs).optRequestTimeoutMillis(requestTimeoutMs)
                .optReadyStallSeconds(readyStallSeconds);
        // The options validate themselves above, before the model is loaded.
        java.nio.file.Path file = weights.resolve(model.weightsFile, err());
        // Read once to learn the task; a classifier read without a preset cross-check is used as it is
        io.swin4j.weights.LoadOptions loadOptions = weights.toLoadOptions();
        SwinWeights loaded = file == null ? null : SwinWeights.load(file, loadOptions);
        SwinWeights seg = loaded != null && loaded.task() == ModelCard.Task.SEGMENTATION ? loaded : null;
        AutoCloseable predictor;
        String name, fileName;
        if (seg != null) {
            if (model.preset != null || model.labels != null) {
                throw new IllegalArgumentException("--preset and --labels are for classifiers; " + file + " is a "
                        + "segmentation checkpoint (its classes are its own; --scale sets the resize)");
            }
            if (!model.engine.name.equals(io.swin4j.infer.InferenceEngines.LIBTORCH)) {
                throw new IllegalArgumentException("--engine " + model.engine.name + " serves classifiers only; " + file
                        + " is a segmentation checkpoint (use --engine libtorch)");
            }
            // forward passes of at most 4 images (the predictor's default): segmentation inputs are large
            SegmentationPredictor.Builder b = segment.builder(seg).optBatchSize(Math.min(4, options.maxBatch()));
            predictor = (model.threads != null ? b.optThreads(model.threads) : b).build();
            name = seg.config().name() + ", segmentation";
            fileName = file.getFileName().toString();
        } else {
            SwinPredictor p = (loaded != null && loadOptions.preset() == null ? model.builder(loaded, err(), "serve")
                    : model.builder(weights, err(), "serve")).build();
            predictor = p;
            name = p.config().name();
            fileName = p.weights().file().getFileName().toString();
        }
        SwinServer server;
        try {
            server = predictor instanceof SegmentationPredictor s ? SwinServer.start(s, options)
                    : SwinServer.start((SwinPredictor) predictor, options);
        } catch (java.io.IOException e) {
            predictor.close();
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        Thread hook = new Thread(() -> {
            err().println("swin serve: shutting down (draining requests in flight)...");
            err().flush();
            server.close();
            try {
                predictor.close();
            } catch (Exception e) {
                err().println("swin serve: closing the model failed: " + e);
            }
        }, "swin4j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out().println("swin serve: " + name + " (" + fileName + ") on "
                + server.uri() + "  max batch " + options.maxBatch() + ", max wait " + options.maxWaitMillis() + " ms, queue "
                + options.queueCapacity());
        out().flush();
        server.awaitShutdown();
        return 0;
    }
}
