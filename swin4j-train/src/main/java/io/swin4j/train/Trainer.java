package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.augment.RandAugment;
import io.swin4j.train.augment.RandomErasing;
import io.swin4j.train.augment.RandomResizedCrop;
import io.swin4j.train.augment.TrainTransform;
import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.Datasets;
import io.swin4j.train.data.LabeledDataset;
import io.swin4j.train.dist.Collectives;
import io.swin4j.train.dist.Distributed;
import io.swin4j.train.dist.GradientSync;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.PillowResize;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The official training loop on libtorch: AdamW with the no-decay groups, per-iteration cosine schedule with
 * warm-up, gradient accumulation and clipping, Mixup/CutMix or label smoothing, optional model EMA; evaluation,
 * metrics, curves and atomic checkpoints in a run directory; exact resume.
 *
 * <p>Run directory: {@code train-config.json} (the settings), {@code metrics.jsonl} and {@code metrics.csv},
 * {@code curves.png}, {@code model.safetensors} (latest weights, loadable everywhere), {@code best.safetensors}
 * (best validation top-1), {@code checkpoints/<name>/} (model, optimizer, EMA and loop state) with
 * {@code checkpoints/latest.json} naming the current one.
 *
 * <p>Determinism: the data order, each sample's augmentation, each step's Mixup draw and each step's libtorch RNG
 * (dropout, stochastic depth) are seeded from (seed, epoch, sample) or (seed, step), so a resumed run repeats
 * exactly what an uninterrupted one does.
 *
 * <p>Data parallel ({@link Distributed}, on libtorch's c10d with Gloo), as PyTorch's DDP: {@code batchSize} is the
 * global batch, split evenly over the ranks ({@link DataLoader}'s shards: together exactly the single-process batch);
 * every rank starts from rank 0's weights (broadcast); after each backward pass the gradients are averaged over the
 * ranks in buckets, so clipping, the optimizer and the EMA see the global batch's gradient on every rank, and the
 * learning-rate scaling and the schedule are those of the global batch. Each step's loss, accuracy, sample count and
 * stop request are summed over the ranks (one small all-reduce): the logged loss is the global batch's, a non-finite
 * loss on any rank stops every rank before the update, and Ctrl-C on any rank stops all at the same step. Validation
 * is sharded and its counts summed. Only rank 0 writes the run directory and reports progress; every rank's
 * messages name it. A resume reads the checkpoint on rank 0 and sends it to the others (no shared file system
 * needed), with any number of ranks: the state is the global batch's, so the run continues the same trajectory.
 * Randomness: data order and augmentation depend on (seed, epoch, sample) only, the Mixup/CutMix draw on (seed,
 * step) (one λ for the global batch; pairs form within each rank's share), dropout and stochastic depth on (seed,
 * step, rank): with those off, N ranks × B/N compute the single-process run × B up to float rounding.
 */
public final class Trainer implements AutoCloseable {

    public static final String CONFIG_FILE = RunDirectory.CONFIG_FILE, METRICS_JSONL = RunDirectory.METRICS_JSONL,
            METRICS_CSV = RunDirectory.METRICS_CSV, CURVES = RunDirectory.CURVES, MODEL = RunDirectory.MODEL,
            BEST = RunDirectory.BEST, CHECKPOINTS = RunDirectory.CHECKPOINTS, LATEST = RunDirectory.LATEST;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final float[] FASHION_MNIST_MEAN = {0.2860f, 0.2860f, 0.2860f}, FASHION_MNIST_STD = {0.3530f, 0.3530f, 0.3530f};

    /** Progress callbacks, on the training thread. */
    public interface Listener {
        default void started(Trainer trainer) {}
        default void step(StepInfo step) {}
        default void epoch(TrainHistory.Epoch epoch) {}
        default void message(String message) {}
    }

    /** One optimizer-visible step (a batch). {@code imagesPerSecond}: over the current epoch so far. */
    public record StepInfo(int epoch, int epochs, int batch, int batchesPerEpoch, long optimizerStep, double loss,
                           double lr, double imagesPerSecond) {}

    public enum Outcome { COMPLETED, STOPPED }

    /** A loss became NaN or infinite; the run stopped and the last good checkpoint is kept. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String message) {
            super(message);
        }
    }

    private final TrainConfig cfg;
    private final Path runDir;
    private final RunDirectory run;
    private final Listener listener;
    private final LabeledDataset trainSet, valSet;
    private final SwinConfig modelConfig;
    private final EvalPreset evalPreset;
    private final SwinTransformer model;
    private SwinTransformer ema;
    private final Map<String, Tensor> trainable = new LinkedHashMap<>();
    private final SwinOptimizer optimizer;
    private final CosineSchedule schedule;
    private final Mixup mixup;
    private final DataLoader trainLoader, valLoader;
    private final int stepsPerEpoch;
    private volatile boolean stopRequested;
    private boolean stopAgreed;
    private final Collectives dist;
    private final Distributed place;
    private final boolean main;
    private final GradientSync gradients;

    // Loop state (saved in checkpoints).
    private final LoopState state;
    private final List<double[]> stepLosses = new ArrayList<>();

    /** Everything the loop needs to continue exactly; written to {@code state.json} in each checkpoint. */
    static final class LoopState {
        public int epoch, batch;
        public long optimizerStep, microStep;
        public double bestTop1 = -1;
        public int bestEpoch = -1;
        public double epochLossSum, epochSeconds;
        public long epochCorrect, epochSamples;
        public int epochFailures;
        public long metricsJsonlBytes, metricsCsvBytes;
        public List<TrainHistory.Epoch> history = new ArrayList<>();
    }

    private Trainer(TrainConfig cfg, Path runDir, Listener listener, LoopState resumeState, Path resumeCheckpoint, Collectives dist)
            throws IOException {
        this.cfg = cfg;
        this.runDir = runDir;
        this.run = new RunDirectory(runDir);
        this.listener = listener;
        this.dist = dist;
        this.place = dist.distributed();
        this.main = place.isMain();
        NativeTorch.ensureLoaded();
        int threads = cfg.threads > 0 ? cfg.threads : place.defaultThreads(Runtime.getRuntime().availableProcessors());
        if (place.isDistributed() && threads > 0) NativeTorch.setComputeThreads(threads); // this process's share of the cores
        else if (cfg.threads > 0) torch.set_num_threads(cfg.threads);
        boolean fashion = cfg.dataset.equals("fashion-mnist");
        Path data = cfg.data == null ? null : Path.of(cfg.data);
        ImageDecoder decoder = new ImageDecoder();
        LabeledDataset train = Datasets.open(cfg.dataset, data, "train", null, decoder);
        trainSet = train.limit(cfg.trainLimit);
        valSet = Datasets.open(cfg.dataset, data, "val", train.classNames(), decoder).limit(cfg.valLimit);
        int classes = trainSet.classNames().size();
        float[] mean = cfg.mean != null ? cfg.mean : fashion ? FASHION_MNIST_MEAN : EvalPreset.IMAGENET_MEAN;
        float[] std = cfg.std != null ? cfg.std : fashion ? FASHION_MNIST_STD : EvalPreset.IMAGENET_STD;

        Map<String, HostTensor> initial = null;
        SwinConfig arch;
        if (resumeCheckpoint != null) {
            SwinWeights w = SwinWeights.load(resumeCheckpoint.resolve(MODEL));
            arch = w.config();
            initial = w.tensors();
        } else if (cfg.init != null) {
            SwinWeights w = SwinWeights.load(Path.of(cfg.init), LoadOptions.defaults().optStrict(false));
            if (!w.report().isClean()) message("init " + cfg.init + ": " + w.report());
            arch = cfg.withAttention(w.config().toBuilder().optNumClasses(classes).optDropPathRate(cfg.dropPath).build());
            if (arch.attention().hasGate() && !w.config().attention().hasGate()) {
                message("init " + cfg.init + ": no attention gates; new gates initialised (" + arch.attention() + ")");
            }
            initial = new LinkedHashMap<>(w.tensors());
            if (w.config().numClasses() != classes) {
                initial.remove("head.weight");
                initial.remove("head.bias");
                message("init " + cfg.init + ": its head has " + w.config().numClasses() + " classes, the data " + classes
                        + ": the old head is dropped and a new one initialised");
            }
        } else {
            arch = cfg.withAttention(cfg.architecture().toBuilder().optNumClasses(classes).optDropPathRate(cfg.dropPath).build());
        }
        modelConfig = arch;
        int img = arch.imgSize();
        evalPreset = fashion || img == 28
                ? new EvalPreset("squash_" + img, 0, new int[] {img, img}, null, PillowResize.Filter.BICUBIC, mean, std)
                : new EvalPreset("official_" + img, (int) (256.0 / 224 * img), null, new int[] {img, img}, PillowResize.Filter.BICUBIC, mean, std);
        model = initial == null ? SwinTransformer.create(arch, cfg.seed) : SwinTransformer.fromWeights(arch, initial, true, cfg.seed);
        model.parameters().requireGrad(true);
        Map<String, Integer> groups = model.parameterGroups();
        for (Map.Entry<String, Tensor> e : model.parameters().asMap().entrySet()) {
            // Group 0 is the stem, group i+1 stage i: freezing k stages freezes groups 0..k.
            if (cfg.freezeStages > 0 && groups.get(e.getKey()) <= cfg.freezeStages) e.getValue().requires_grad_(false);
            else trainable.put(e.getKey(), e.getValue());
        }
        if (cfg.freezeStages > 0) {
            message("frozen: patch embedding and stages 0.." + (cfg.freezeStages - 1) + " ("
                    + (model.parameters().asMap().size() - trainable.size()) + " tensors); training " + trainable.size());
        }
        if (cfg.ema) {
            Map<String, HostTensor> emaInit = resumeCheckpoint != null && Files.exists(resumeCheckpoint.resolve("ema.safetensors"))
                    ? Safetensors.read(resumeCheckpoint.resolve("ema.safetensors")).tensors() : model.parameters().toHost();
            ema = SwinTransformer.fromWeights(arch, emaInit);
        }

        RandAugment ra = RandAugment.parse(cfg.randAugment, fill(mean));
        TrainTransform tt = new TrainTransform(img, new RandomResizedCrop(img, cfg.scaleMin, cfg.scaleMax, cfg.ratioMin, cfg.ratioMax,
                PillowResize.Filter.BICUBIC), cfg.hflip, ra, mean, std, cfg.reprob > 0 ? new RandomErasing(cfg.reprob) : null);
        int sampleFloats = 3 * img * img;
        trainLoader = new DataLoader(trainSet, tt::apply, sampleFloats, cfg.batchSize, true, true, cfg.seed, cfg.workers,
                place.rank(), place.worldSize());
        EvalPreset ep = evalPreset;
        valLoader = new DataLoader(valSet, (image, rng) -> ep.apply(image), sampleFloats, Math.max(cfg.batchSize, 64), false, false,
                cfg.seed, cfg.workers, place.rank(), place.worldSize());
        gradients = dist.gradientSync(List.copyOf(trainable.values()));
        stepsPerEpoch = trainLoader.batchesPerEpoch() / cfg.accumulationSteps;
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("an epoch has " + trainLoader.batchesPerEpoch() + " batches, fewer than accumulationSteps "
                    + cfg.accumulationSteps);
        }
        double lrScale = (double) cfg.batchSize * cfg.accumulationSteps / 512.0;
        schedule = new CosineSchedule(cfg.baseLr * lrScale, cfg.minLr * lrScale, cfg.warmupLr * lrScale,
                cfg.warmupEpochs * stepsPerEpoch, (cfg.epochs - cfg.warmupEpochs) * stepsPerEpoch);
        optimizer = new SwinOptimizer(model.parameters(), trainable.keySet(), schedule.lr(0), cfg.weightDecay);
        mixup = cfg.mixupEnabled() ? new Mixup(cfg.mixup, cfg.cutmix, cfg.mixupProb, cfg.mixupSwitchProb, cfg.labelSmoothing, classes) : null;
        if (resumeCheckpoint != null) {
            optimizer.load(resumeCheckpoint.resolve("optimizer.pt"));
            state = resumeState;
            if (main) {
                run.truncate(METRICS_JSONL, state.metricsJsonlBytes);
                run.truncate(METRICS_CSV, state.metricsCsvBytes);
                reloadStepLosses();
            }
        } else {
            state = new LoopState();
        }
    }

    private static int[] fill(float[] mean) {
        int[] f = new int[3];
        for (int c = 0; c < 3; c++) f[c] = Math.min(255, Math.round(255 * mean[c]));
        return f;
    }

    /** A new run in {@code runDir} (created; it must not already hold a run). */
    public static Trainer start(TrainConfig cfg, Path runDir, Listener listener) throws IOException {
        return start(cfg, runDir, listener, Distributed.single());
    }

    /**
     * A new run as rank {@code d.rank()} of a data-parallel job (every rank calls this; {@link Distributed#single()}: one
     * process). Rank 0's settings are the run's; rank 0 creates {@code runDir}. Returns when every rank is ready,
     * with rank 0's initial weights on all; a rank that cannot start makes every rank fail, naming it.
     */
    public static Trainer start(TrainConfig cfg, Path runDir, Listener listener, Distributed d) throws IOException {
        cfg.validate();
        Collectives dist = Collectives.open(d);
        try {
            byte[] agreed = DistributedStart.fromMain(dist, "start the run", () -> {
                if (Files.exists(runDir.resolve(CONFIG_FILE))) {
                    throw new IllegalArgumentException(runDir + " already holds a run (" + CONFIG_FILE + "); resume it with --resume "
                            + runDir + " or choose another --output");
                }
                return cfg.toJson();
            });
            TrainConfig settings = d.isMain() ? cfg : TrainConfig.fromJson(agreed);
            if (!d.isMain() && !java.util.Arrays.equals(cfg.toJson(), agreed) && listener != null) {
                listener.message(d.tag("its settings differ from rank 0's; rank 0's are the run's"));
            }
            // Build first (datasets, model, init checkpoint): a refused run leaves no directory behind.
            Trainer t = DistributedStart.agree(dist, "build the trainer", () -> new Trainer(settings, runDir, listener, null, null, dist),
                    Trainer::close);
            try {
                DistributedStart.agree(dist, "create the run directory", () -> {
                    if (d.isMain()) {
                        Files.createDirectories(runDir);
                        settings.write(runDir.resolve(CONFIG_FILE));
                    }
                    return null;
                });
                t.synchronizeWeights();
            } catch (IOException | RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        } catch (IOException | RuntimeException e) {
            dist.close();
            throw e;
        }
    }

    /** Continues the run in {@code runDir} from its latest checkpoint, with its saved settings. */
    public static Trainer resume(Path runDir, Listener listener) throws IOException {
        return resume(runDir, listener, Distributed.single());
    }

    /**
     * Continues the run in {@code runDir} as rank {@code d.rank()} of a data-parallel job, with any number of ranks:
     * rank 0 reads the settings and the latest checkpoint and sends them to the others, so only rank 0 needs the run
     * directory.
     */
    public static Trainer resume(Path runDir, Listener listener, Distributed d) throws IOException {
        Collectives dist = Collectives.open(d);
        try {
            DistributedStart.Checkpoint ckpt = DistributedStart.checkpoint(dist, runDir, () -> {
                Path configFile = runDir.resolve(CONFIG_FILE);
                if (!Files.isRegularFile(configFile)) {
                    throw new NoSuchFileException(configFile.toString(), null, "not a run directory (no " + CONFIG_FILE + ")");
                }
                TrainConfig.read(configFile).validate();
                Path latest = new RunDirectory(runDir).latestCheckpoint();
                if (latest == null) {
                    throw new NoSuchFileException(runDir.resolve(CHECKPOINTS).resolve(LATEST).toString(), null, "the run has no checkpoint yet");
                }
                if (!Files.isRegularFile(latest.resolve(RunDirectory.STATE))) {
                    throw new NoSuchFileException(latest.resolve(RunDirectory.STATE).toString(), null, "the checkpoint that " + LATEST
                            + " names is incomplete");
                }
                return latest;
            });
            try {
                TrainConfig cfg = TrainConfig.read(ckpt.config()).validate();
                LoopState st = JSON.readValue(ckpt.dir().resolve(RunDirectory.STATE).toFile(), LoopState.class);
                Trainer t = DistributedStart.agree(dist, "build the trainer", () -> new Trainer(cfg, runDir, listener, st, ckpt.dir(), dist),
                        Trainer::close);
                try {
                    t.synchronizeWeights();
                } catch (RuntimeException e) {
                    t.close();
                    throw e;
                }
                return t;
            } finally {
                ckpt.deleteCopy();
            }
        } catch (IOException | RuntimeException e) {
            dist.close();
            throw e;
        }
    }

    /** Rank 0's weights (and EMA) on every rank: DDP's initial broadcast. */
    private void synchronizeWeights() {
        if (!place.isDistributed()) return;
        dist.broadcast(new ArrayList<>(model.parameters().asMap().values()));
        if (ema != null) dist.broadcast(new ArrayList<>(ema.parameters().asMap().values()));
    }

    /** This process's place in the job ({@link Distributed#single()} when alone). */
    public Distributed distributed() { return place; }

    /** Seconds this rank spent in collectives (gradient all-reduce, step facts, waiting for the others). */
    public double communicationSeconds() { return dist.communicationSeconds(); }

    public TrainConfig config() { return cfg; }

    public SwinConfig modelConfig() { return modelConfig; }

    public SwinTransformer model() { return model; }

    public EvalPreset evalPreset() { return evalPreset; }

    public List<String> classNames() { return trainSet.classNames(); }

    public int trainSamples() { return trainSet.size(); }

    public int valSamples() { return valSet.size(); }

    public int batchesPerEpoch() { return trainLoader.batchesPerEpoch(); }

    public int completedEpochs() { return state.epoch; }

    public List<TrainHistory.Epoch> history() { return List.copyOf(state.history); }

    /** Asks the loop to checkpoint and return after the current step (Ctrl-C, SIGTERM); safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    private void message(String m) {
        if (listener != null) listener.message(place.tag(m));
    }

    /** Trains until the last epoch or a stop request; a NaN/inf loss throws {@link DivergedException}. */
    public Outcome run() throws IOException {
        if (listener != null && main) listener.started(this);
        int batches = trainLoader.batchesPerEpoch();
        while (state.epoch < cfg.epochs) {
            int epoch = state.epoch;
            long epochStart = System.nanoTime();
            double secondsBefore = state.epochSeconds;
            Iterator<DataLoader.Batch> it = trainLoader.epoch(epoch, state.batch);
            if (state.batch % cfg.accumulationSteps == 0) optimizer.zeroGrad();
            while (it.hasNext()) {
                DataLoader.Batch b = it.next();
                trainStep(b);
                state.batch = b.index() + 1;
                state.epochSeconds = secondsBefore + (System.nanoTime() - epochStart) / 1e9;
                if (listener != null && main) {
                    listener.step(new StepInfo(epoch, cfg.epochs, b.index(), batches, state.optimizerStep,
                            stepLosses.isEmpty() ? Double.NaN : stepLosses.get(stepLosses.size() - 1)[1], currentLr(),
                            state.epochSamples / Math.max(1e-9, state.epochSeconds)));
                }
                // One process stops right after the step it was asked during; ranks stop at the step whose facts carried
                // the request (the next one), all at the same step.
                if ((place.isDistributed() ? stopAgreed : stopRequested) && state.batch < batches && state.batch % cfg.accumulationSteps == 0) {
                    saveCheckpoint();
                    if (main) message("stopped at epoch " + (epoch + 1) + ", batch " + state.batch + "/" + batches + "; checkpoint saved in " + runDir);
                    return Outcome.STOPPED;
                }
            }
            finishEpoch(epoch);
            stopAgreed = dist.allReduceSum(new double[] {stopRequested ? 1 : 0})[0] > 0;
            if (stopAgreed && state.epoch < cfg.epochs) {
                if (main) message("stopped after epoch " + state.epoch + "; checkpoint saved in " + runDir);
                return Outcome.STOPPED;
            }
        }
        return Outcome.COMPLETED;
    }

    private double currentLr() {
        return schedule.lr(Math.max(0, state.optimizerStep - 1));
    }

    private void trainStep(DataLoader.Batch b) throws IOException {
        for (String f : b.failures()) message("skipped " + f);
        int n = b.size();
        if (mixup != null && n % 2 == 1) n--; // batch-mode Mixup pairs samples with the reversed batch
        long micro = state.microStep++;
        int img = modelConfig.imgSize(), world = place.worldSize();
        double lossValue;
        SwinOutput out = null;
        try (PointerScope scope = new PointerScope()) {
            Tensor loss = null;
            double localLoss = 0;
            long correct = 0;
            if (n > 0) {
                torch.manual_seed(dropoutSeed(micro));
                Tensor x = Tensors.fromFloats(n == b.size() ? b.images() : java.util.Arrays.copyOf(b.images(), n * 3 * img * img), n, 3, img, img);
                int[] labels = n == b.size() ? b.labels() : java.util.Arrays.copyOf(b.labels(), n);
                Tensor y = Tensors.fromInts(labels, n);
                Tensor targets = null;
                if (mixup != null) {
                    Mixup.Params p = mixup.sample(new SplittableRandom(DataLoader.mix(cfg.seed, micro, 11)), img, img);
                    Mixup.applyToImages(x, p);
                    targets = mixup.targets(y, p.lam());
                }
                model.train(true);
                out = model.forward(x);
                loss = targets != null ? Mixup.softTargetCrossEntropy(out.logits(), targets)
                        : Losses.crossEntropy(out.logits(), y, cfg.labelSmoothing);
                localLoss = loss.item().toDouble();
                float[] logits = Tensors.toFloats(out.logits().detach());
                int k = modelConfig.numClasses();
                for (int i = 0; i < n; i++) if (Evaluator.argmax(logits, i * k, k) == labels[i]) correct++;
            }
            // The step's facts over all ranks (one process: its own): loss sum, samples, correct, failures, stop, and
            // which ranks' losses are not finite, so that every rank takes the same decision before the update.
            double[] facts = new double[5 + world];
            facts[0] = n > 0 ? localLoss * n : 0;
            facts[1] = n;
            facts[2] = correct;
            facts[3] = b.failures().size();
            facts[4] = stopRequested ? 1 : 0;
            facts[5 + place.rank()] = n > 0 && !Double.isFinite(localLoss) ? 1 : 0;
            double[] all = dist.allReduceSum(facts);
            long samples = (long) all[1];
            state.epochFailures += (int) all[3];
            stopAgreed = all[4] > 0;
            if (samples == 0) return;
            lossValue = world == 1 ? localLoss : all[0] / samples;
            List<Integer> nonFinite = new ArrayList<>();
            for (int r = 0; r < world; r++) if (all[5 + r] > 0) nonFinite.add(r);
            run.checkFinite(nonFinite.isEmpty() ? lossValue : Double.NaN, "epoch " + (state.epoch + 1) + ", batch " + (b.index() + 1)
                    + " (optimizer step " + state.optimizerStep + ")" + (world > 1 ? " on " + Distributed.ranks(nonFinite) : ""), !(state.history.isEmpty() && state.optimizerStep < stepsPerEpoch),
                    "Try a lower baseLr or clipGrad.");
            Tensor scaled = null;
            if (loss != null) {
                if (cfg.accumulationSteps > 1) loss = loss.div(new Scalar((double) cfg.accumulationSteps));
                // A rank whose share lost samples (unreadable images) weighs by what it has: the average over ranks
                // is then the global batch's mean (the factor is exactly 1 for equal shares).
                double share = (double) n * world / samples;
                scaled = share != 1 ? loss.mul(new Scalar(share)) : loss;
            }
            boolean step = (b.index() + 1) % cfg.accumulationSteps == 0;
            Tensor backward = scaled;
            // The last micro-batch of a step averages the gradients over the ranks (during its backward pass).
            gradients.backward(backward == null ? null : () -> backward.backward(), step);
            state.epochCorrect += (long) all[2];
            if (step) {
                if (cfg.clipGrad > 0) optimizer.clipGradNorm(cfg.clipGrad);
                optimizer.setLr(currentLr());
                optimizer.step();
                optimizer.zeroGrad();
                state.optimizerStep++;
                if (ema != null) updateEma();
            }
            state.epochLossSum += lossValue * samples;
            state.epochSamples += samples;
        } finally {
            if (out != null) out.close();
        }
        stepLosses.add(new double[] {state.epoch + (b.index() + 1.0) / trainLoader.batchesPerEpoch(), lossValue, currentLr()});
        if (!main) return;
        // In this key order every time (Map.of's order differs from one JVM to the next): a run resumed in
        // another process logs the same bytes as an uninterrupted one.
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "step");
        line.put("epoch", state.epoch + 1);
        line.put("batch", b.index() + 1);
        line.put("optimizerStep", state.optimizerStep);
        line.put("loss", lossValue);
        line.put("lr", currentLr());
        run.appendJsonl(line);
    }

    /** The libtorch seed of a step's dropout and stochastic depth: (seed, step) on rank 0, a stream of its own per rank. */
    private long dropoutSeed(long micro) {
        long seed = place.rank() == 0 ? cfg.seed : DataLoader.mix(cfg.seed, place.rank(), 23);
        return DataLoader.mix(seed, micro, 7);
    }

    /** timm ModelEmaV2: ema = decay·ema + (1 − decay)·model, after each optimizer step. */
    private void updateEma() {
        try (NoGradGuard ng = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Map<String, Tensor> m = model.parameters().asMap();
            for (Map.Entry<String, Tensor> e : ema.parameters().asMap().entrySet()) {
                e.getValue().mul_(new Scalar(cfg.emaDecay)).add_(m.get(e.getKey()), new Scalar(1 - cfg.emaDecay));
            }
        }
    }

    private void finishEpoch(int epoch) throws IOException {
        boolean evaluate = (epoch + 1) % cfg.evalEvery == 0 || epoch + 1 == cfg.epochs;
        EvalReport val = evaluate ? evaluate(model) : null;
        EvalReport emaVal = evaluate && ema != null ? evaluate(ema) : null;
        double seconds = state.epochSeconds;
        TrainHistory.Epoch e = new TrainHistory.Epoch(epoch, state.optimizerStep, state.epochLossSum / Math.max(1, state.epochSamples),
                (double) state.epochCorrect / Math.max(1, state.epochSamples), val == null ? Double.NaN : val.loss(),
                val == null ? Double.NaN : val.top1(), val == null ? Double.NaN : val.top5(),
                emaVal == null ? Double.NaN : emaVal.top1(), currentLr(), seconds, state.epochSamples / Math.max(1e-9, seconds),
                state.epochFailures);
        state.history.add(e);
        state.epoch = epoch + 1;
        state.batch = 0;
        state.epochLossSum = 0;
        state.epochCorrect = 0;
        state.epochSamples = 0;
        state.epochSeconds = 0;
        state.epochFailures = 0;
        boolean best = val != null && val.top1() > state.bestTop1;
        if (best) {
            state.bestTop1 = val.top1();
            state.bestEpoch = epoch;
        }
        if (!main) return;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "epoch");
        line.putAll(JSON.convertValue(e, Map.class));
        run.appendJsonl(line);
        appendCsv(e);
        saveCheckpoint();
        if (best) saveModel(runDir.resolve(BEST), model, "F32");
        Charts.writeCurves(runDir.resolve(CURVES), state.history, stepLosses);
        if (listener != null) listener.epoch(e);
        if (place.isDistributed()) {
            String grads = String.format("%.1f MB of gradients in %d bucket%s a step", gradients.values() * 4 / 1e6, gradients.buckets(),
                    gradients.buckets() == 1 ? "" : "s");
            message(place.overlap()
                    ? String.format("epoch %d: gradient all-reduce overlapped with the backward pass (%s); %.2f s in other collectives "
                            + "since the start (step facts, validation counts, waiting for the other ranks included)",
                            epoch + 1, grads, dist.communicationSeconds())
                    : String.format("epoch %d: %.2f s in collectives since the start, of which gradient averaging after the backward pass "
                            + "%.2f s over %d steps (%.1f ms a step; %s)", epoch + 1, dist.communicationSeconds(), gradients.seconds(),
                            gradients.rounds(), 1e3 * gradients.seconds() / Math.max(1, gradients.rounds()), grads));
        }
    }

    /** Validation on this rank's share, its counts summed over the ranks: the whole set's report on every rank. */
    private EvalReport evaluate(SwinTransformer m) {
        EvalReport local = Evaluator.evaluate(m, valLoader, valSet.classNames());
        return place.isDistributed() ? EvalReport.ofSums(valSet.classNames(), dist.allReduceSum(local.sums())) : local;
    }

    /** Saves model weights with the card that makes them self-describing (config, preprocessing, labels). */
    private void saveModel(Path file, SwinTransformer m, String dtype) throws IOException {
        SwinWeights.save(file, new ModelCard(modelConfig, Layout.OFFICIAL, evalPreset, classNames()), m.parameters().toHost(),
                dtype);
    }

    /** A checkpoint of model, optimizer, EMA and loop state ({@link RunDirectory#saveCheckpoint}), then the latest weights. */
    private void saveCheckpoint() throws IOException {
        if (!main) return;
        String name = String.format("epoch%04d-batch%06d", state.epoch, state.batch);
        run.saveCheckpoint(name, tmp -> {
            saveModel(tmp.resolve(MODEL), model, "F32");
            optimizer.save(tmp.resolve("optimizer.pt"));
            if (ema != null) Safetensors.write(tmp.resolve("ema.safetensors"), ema.parameters().toHost(), Map.of(), "F32");
            state.metricsJsonlBytes = run.syncedSize(METRICS_JSONL);
            state.metricsCsvBytes = run.syncedSize(METRICS_CSV);
            JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        });
        saveModel(runDir.resolve(MODEL), model, "F32");
    }

    private void reloadStepLosses() throws IOException {
        for (JsonNode n : run.readJsonl("step")) {
            stepLosses.add(new double[] {n.get("epoch").asInt() - 1 + (double) n.get("batch").asInt() / trainLoader.batchesPerEpoch(),
                    n.get("loss").asDouble(), n.get("lr").asDouble()});
        }
    }

    private void appendCsv(TrainHistory.Epoch e) throws IOException {
        run.appendCsv("epoch,optimizer_steps,train_loss,train_top1,val_loss,val_top1,val_top5,ema_top1,lr,seconds,images_per_second,failed_samples",
                String.join(",", String.valueOf(e.epoch() + 1), String.valueOf(e.optimizerSteps()), num(e.trainLoss()),
                num(e.trainTop1()), num(e.valLoss()), num(e.valTop1()), num(e.valTop5()), num(e.emaTop1()), num(e.lr()),
                num(e.seconds()), num(e.imagesPerSecond()), String.valueOf(e.failedSamples())));
    }

    private static String num(double v) {
        return RunDirectory.csvNumber(v);
    }

    @Override
    public void close() {
        trainLoader.close();
        valLoader.close();
        optimizer.close();
        gradients.close();
        model.close();
        if (ema != null) ema.close();
        dist.close();
    }
}
