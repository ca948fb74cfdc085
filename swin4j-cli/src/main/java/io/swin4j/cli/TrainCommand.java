package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.train.TrainConfig;
import io.swin4j.train.TrainHistory;
import io.swin4j.train.Trainer;
import io.swin4j.train.dist.Distributed;
import io.swin4j.train.dist.LocalLauncher;
import io.swin4j.train.segmentation.SegmentationEvalReport;
import io.swin4j.train.segmentation.SegmentationTrainConfig;
import io.swin4j.train.segmentation.SegmentationTrainer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code swin train}: the official recipe (or a fine-tuning / Fashion-MNIST recipe) with checkpoints and resume. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train or fine-tune a Swin on an image folder (root/train/<class>, root/val/<class>) or Fashion-MNIST.",
                "--task segmentation: UPerNet on a Swin backbone on root/images/{train,val} + root/masks/{train,val} (class-index PNGs,",
                "255 ignored; class names from root/classes.txt), with mmseg's ADE20K recipe (iterations, poly schedule, crops).",
                "Settings: --recipe, then --config FILE (JSON/YAML), then the flags; all are saved as RUN/train-config.json.",
                "Ctrl-C or SIGTERM checkpoints and stops; --resume RUN continues exactly.",
                "Data parallel (c10d/Gloo, as PyTorch DDP): --nproc N starts N processes here; under torchrun (RANK, WORLD_SIZE,",
                "MASTER_ADDR, MASTER_PORT) or with --rank/--world-size/--master each process joins a job. --batch-size is the global batch."})
public final class TrainCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--output", paramLabel = "RUN_DIR", description = "Run directory to create (checkpoints, metrics, curves).")
    Path output;
    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue the run in RUN_DIR with its saved settings.")
    Path resume;
    @Option(names = "--task", paramLabel = "TASK", description = "classification (default) or segmentation.")
    String task = "classification";
    @Option(names = "--recipe", paramLabel = "NAME", description = "Starting settings: official (default), finetune, fashion-mnist; segmentation: ade20k (default).")
    String recipe = "official";
    @Option(names = "--config", paramLabel = "FILE", description = "Settings file (JSON or YAML, keys as in train-config.json).")
    Path configFile;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any setting by its train-config.json key, e.g. --set mixupSwitchProb=0.3.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--dataset", description = "folder or fashion-mnist.") String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset root.") String data;
    @Option(names = "--arch", paramLabel = "PRESET", description = "Architecture preset, e.g. swin_tiny_patch4_window7_224.") String arch;
    @Option(names = "--init", paramLabel = "CKPT", description = "Start from this checkpoint (any layout, or a registry name: swin models); a new head if the class count differs.") String init;
    @Option(names = "--freeze-stages", paramLabel = "N", description = "Freeze the patch embedding and the first N stages.") Integer freezeStages;
    @Option(names = "--epochs", description = "Epochs (official 300).") Integer epochs;
    @Option(names = "--warmup-epochs", description = "Linear warm-up epochs (official 20).") Integer warmupEpochs;
    @Option(names = "--batch-size", description = "Images per step (official 128).") Integer batchSize;
    @Option(names = "--accumulation-steps", description = "Batches per optimizer step (official 1).") Integer accumulationSteps;
    @Option(names = "--lr", description = "Base learning rate per 512 images (scaled by batch × accumulation / 512); segmentation: the rate itself (recipe 6e-5).") Double baseLr;
    @Option(names = "--warmup-lr", description = "Warm-up start lr per 512 images (official 5e-7).") Double warmupLr;
    @Option(names = "--min-lr", description = "Cosine floor per 512 images (official 5e-6).") Double minLr;
    @Option(names = "--weight-decay", description = "AdamW weight decay, not on norms, biases, position tables (official 0.05).") Double weightDecay;
    @Option(names = "--clip-grad", description = "Gradient-norm clipping (0: none).") Double clipGrad;
    @Option(names = "--label-smoothing", description = "Without Mixup/CutMix (official 0.1).") Double labelSmoothing;
    @Option(names = "--attention", paramLabel = "VARIANT", description = "Attention: vanilla, clipped (clipped softmax) or gated (per-head gates); default: the model's or --init checkpoint's own.") String attention;
    @Option(names = "--clip-alpha", description = "Clipped softmax: gamma = -alpha/T, T the tokens of a window (default 0.6).") Double clipAlpha;
    @Option(names = "--clip-zeta", description = "Clipped softmax: the stretch zeta >= 1 (default 1).") Double clipZeta;
    @Option(names = "--gate-init", description = "Gated attention: initial gate probability pi_init in (0, 1) (default 0.5).") Double gateInit;
    @Option(names = "--drop-path", description = "Stochastic depth rate of the last block (Swin-T 0.2).") Double dropPath;
    @Option(names = "--mixup", description = "Mixup alpha (0: off).") Double mixup;
    @Option(names = "--cutmix", description = "CutMix alpha (0: off).") Double cutmix;
    @Option(names = "--mixup-prob", description = "Probability of mixing a batch (official 1.0).") Double mixupProb;
    @Option(names = "--mixup-switch-prob", description = "Probability of CutMix instead of Mixup (official 0.5).") Double mixupSwitchProb;
    @Option(names = "--rand-augment", paramLabel = "SPEC", description = "timm RandAugment spec or none.") String randAugment;
    @Option(names = "--reprob", description = "Random-erasing probability.") Double reprob;
    @Option(names = "--ema", arity = "0..1", description = "Keep a model EMA (timm ModelEmaV2).") Boolean ema;
    @Option(names = "--ema-decay", description = "EMA decay per step (default 0.9998).") Double emaDecay;
    @Option(names = "--seed", description = "Seed of the data order, augmentation, Mixup and dropout draws (default 0).") Long seed;
    @Option(names = "--workers", description = "Data threads.") Integer workers;
    @Option(names = "--threads", description = "libtorch intra-op threads.") Integer threads;
    @Option(names = "--train-limit", description = "Use only the first N training samples.") Integer trainLimit;
    @Option(names = "--val-limit", description = "Use only the first N validation samples.") Integer valLimit;
    @Option(names = "--iterations", description = "Segmentation: training iterations (recipe 160000).") Integer iterations;
    @Option(names = "--crop", paramLabel = "N|HxW", description = "Segmentation: training crop (recipe 512).") String crop;
    @Option(names = "--eval-interval", paramLabel = "N", description = "Segmentation: evaluate (and checkpoint) every N iterations (recipe 16000).") Integer evalInterval;
    @Option(names = "--no-progress", description = "No progress bar.") boolean noProgress;
    @Option(names = "--nproc", paramLabel = "N", description = "Data parallel: start N training processes on this machine (the cores shared among them).") Integer nproc;
    @Option(names = "--rank", paramLabel = "R", description = "Data parallel: this process's rank (with --world-size and --master; default: torchrun's RANK).") Integer rank;
    @Option(names = "--world-size", paramLabel = "N", description = "Data parallel: the number of processes in the job (default: WORLD_SIZE).") Integer worldSize;
    @Option(names = "--master", paramLabel = "HOST:PORT", description = "Data parallel: rank 0's address and a free port it listens on (default: MASTER_ADDR:MASTER_PORT).") String master;
    @Option(names = "--dist-timeout", paramLabel = "SECONDS", description = "Data parallel: how long a rank waits for the others before it stops, naming the missing rank (default 300).") Integer distTimeout;
    @Option(names = "--bucket-mb", paramLabel = "MB", description = "Data parallel: gradient all-reduce bucket size (default 25, DDP's).") Integer bucketMb;
    @Option(names = "--no-overlap", description = "Data parallel: average the gradients after the backward pass, not during it (DDP's reducer); it times the whole all-reduce.") boolean noOverlap;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if ((output == null) == (resume == null)) {
            throw new IllegalArgumentException("give either --output RUN_DIR (a new run) or --resume RUN_DIR");
        }
        boolean segmentation = resume != null ? java.nio.file.Files.isRegularFile(resume.resolve(Trainer.CONFIG_FILE))
                && SegmentationTrainConfig.isSegmentation(resume.resolve(Trainer.CONFIG_FILE))
                : isSegmentationTask() || configFile != null && SegmentationTrainConfig.isSegmentation(configFile);
        Distributed place = distributed();
        if (segmentation) {
            if (nproc != null && nproc > 1 || place.isDistributed()) {
                throw new IllegalArgumentException("data-parallel training (--nproc, --rank/--world-size/--master, torchrun) covers "
                        + "classification; segmentation trains in one process");
            }
            return segmentation(out, err);
        }
        if (nproc != null && nproc > 1) return launch(err);
        if (iterations != null || crop != null || evalInterval != null) {
            throw new IllegalArgumentException("--iterations, --crop and --eval-interval are segmentation settings (--task segmentation)");
        }
        Trainer trainer;
        if (resume != null) {
            if (hasSettings()) throw new IllegalArgumentException("--resume takes its settings from " + resume.resolve(Trainer.CONFIG_FILE)
                    + "; give no other training settings");
            trainer = Trainer.resume(resume, new Reporter(out, err), place);
        } else {
            trainer = Trainer.start(settings(), output, new Reporter(out, err), place);
        }
        return runStoppable(trainer, trainer::requestStop, () -> {
            Trainer.Outcome outcome = trainer.run();
            Path run = output != null ? output : resume;
            if (outcome == Trainer.Outcome.COMPLETED && place.isMain()) {
                out.printf("done: %d epochs; latest weights %s, best %s; curves %s%n", trainer.completedEpochs(),
                        run.resolve(Trainer.MODEL), run.resolve(Trainer.BEST), run.resolve(Trainer.CURVES));
            }
            return outcome;
        }, out, place.isMain());
    }

    /**
     * This process's place: --rank/--world-size/--master (all three), else torchrun's environment, else one process.
     * --nproc 1 is one process.
     */
    Distributed distributed() {
        boolean flags = rank != null || worldSize != null || master != null;
        if (nproc != null) {
            if (nproc < 1) throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
            if (flags) throw new IllegalArgumentException("--nproc starts a job of its own; --rank, --world-size and --master join one: give one or the other");
            if (nproc > 1 && Distributed.fromEnvironment(System.getenv()) != null) {
                throw new IllegalArgumentException("--nproc " + nproc + " inside a job (RANK and WORLD_SIZE are set): let the launcher start "
                        + "the processes, or leave out --nproc");
            }
        }
        Distributed d;
        if (flags) {
            if (rank == null || worldSize == null || master == null) {
                throw new IllegalArgumentException("joining a job takes --rank, --world-size and --master together");
            }
            d = Distributed.of(rank, worldSize, master);
        } else {
            d = Distributed.fromEnvironment(System.getenv());
            if (d == null || nproc != null && nproc > 1) d = Distributed.single();
        }
        if (distTimeout != null) {
            if (distTimeout < 1) throw new IllegalArgumentException("--dist-timeout must be >= 1 second, got " + distTimeout);
            d = d.optTimeout(java.time.Duration.ofSeconds(distTimeout));
        }
        if (bucketMb != null) d = d.optBucketCapMb(bucketMb);
        if (noOverlap) d = d.optOverlap(false);
        return d;
    }

    /** --nproc N: this same command N times (without --nproc), each with torchrun's environment for its rank. */
    private int launch(PrintWriter err) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SwinCli.class.getName());
        List<String> args = spec.root().commandLine().getParseResult().originalArgs();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--nproc")) i++;
            else if (!a.startsWith("--nproc=")) command.add(a);
        }
        err.flush();
        int timeout = distTimeout != null ? distTimeout : (int) Distributed.DEFAULT_TIMEOUT.toSeconds();
        return LocalLauncher.run(nproc, command, Map.of(), java.time.Duration.ofSeconds(timeout + 30), System.err);
    }

    private boolean isSegmentationTask() {
        return switch (task.toLowerCase(java.util.Locale.ROOT)) {
            case "classification", "classify" -> false;
            case "segmentation", "segment" -> true;
            default -> throw new IllegalArgumentException("--task must be classification or segmentation, got '" + task + "'");
        };
    }

    /** Runs a trainer with a shutdown hook that asks it to checkpoint and stop; 0 when it completed, 130 when stopped. */
    private int runStoppable(AutoCloseable trainer, Runnable requestStop, Callable<Trainer.Outcome> loop, PrintWriter out) throws Exception {
        return runStoppable(trainer, requestStop, loop, out, true);
    }

    private int runStoppable(AutoCloseable trainer, Runnable requestStop, Callable<Trainer.Outcome> loop, PrintWriter out, boolean main)
            throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            requestStop.run();
            try {
                done.await(10, TimeUnit.MINUTES); // let the loop write its checkpoint before the JVM exits
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "swin4j-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (trainer) {
            if (loop.call() == Trainer.Outcome.COMPLETED) return 0;
            if (main) out.printf("stopped; continue with: swin train --resume %s%n", output != null ? output : resume);
            return 130;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the latch is released
            }
        }
    }

    private int segmentation(PrintWriter out, PrintWriter err) throws Exception {
        SegmentationReporter reporter = new SegmentationReporter(out, err);
        SegmentationTrainer trainer;
        if (resume != null) {
            if (hasSettings() || iterations != null || crop != null || evalInterval != null) {
                throw new IllegalArgumentException("--resume takes its settings from " + resume.resolve(Trainer.CONFIG_FILE)
                        + "; give no other training settings");
            }
            trainer = SegmentationTrainer.resume(resume, reporter);
        } else {
            trainer = SegmentationTrainer.start(segmentationSettings(), output, reporter);
        }
        return runStoppable(trainer, trainer::requestStop, () -> {
            Trainer.Outcome outcome = trainer.run();
            Path run = output != null ? output : resume;
            if (outcome == Trainer.Outcome.COMPLETED) {
                out.printf("done: %d iterations, best mIoU %.2f%%; latest weights %s, best %s; curves %s%n", trainer.completedIterations(),
                        100 * trainer.bestMeanIou(), run.resolve(Trainer.MODEL), run.resolve(Trainer.BEST), run.resolve(Trainer.CURVES));
            }
            return outcome;
        }, out);
    }

    /** Segmentation: recipe (ade20k) → config file → flags → --set; classification-only flags are refused. */
    SegmentationTrainConfig segmentationSettings() throws Exception {
        if (!recipe.equals("official") && !recipe.equalsIgnoreCase("ade20k")) {
            throw new IllegalArgumentException("--recipe " + recipe + " is a classification recipe; segmentation has ade20k (the default)");
        }
        List<String> classificationOnly = new ArrayList<>();
        if (freezeStages != null) classificationOnly.add("--freeze-stages");
        if (epochs != null) classificationOnly.add("--epochs");
        if (warmupEpochs != null) classificationOnly.add("--warmup-epochs");
        if (accumulationSteps != null) classificationOnly.add("--accumulation-steps");
        if (warmupLr != null) classificationOnly.add("--warmup-lr");
        if (minLr != null) classificationOnly.add("--min-lr");
        if (labelSmoothing != null) classificationOnly.add("--label-smoothing");
        if (attention != null || clipAlpha != null || clipZeta != null || gateInit != null) classificationOnly.add("--attention/--clip-*/--gate-init");
        if (mixup != null || cutmix != null || mixupProb != null || mixupSwitchProb != null) classificationOnly.add("--mixup/--cutmix");
        if (randAugment != null) classificationOnly.add("--rand-augment");
        if (reprob != null) classificationOnly.add("--reprob");
        if (ema != null || emaDecay != null) classificationOnly.add("--ema");
        if (!classificationOnly.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", classificationOnly) + ": classification settings; segmentation takes "
                    + "--iterations, --crop, --eval-interval, --batch-size, --lr, --weight-decay, --clip-grad, --drop-path and --set KEY=VALUE "
                    + "(keys of train-config.json)");
        }
        SegmentationTrainConfig c = SegmentationTrainConfig.ade20k();
        if (configFile != null) c = SegmentationTrainConfig.read(configFile, c);
        if (dataset != null) c.dataset = dataset;
        if (data != null) c.data = data;
        if (arch != null) {
            c.arch = arch;
            c.model = null;
        }
        if (init != null) c.init = new WeightsOptions().resolve(Path.of(init), spec.commandLine().getErr()).toString();
        if (batchSize != null) c.batchSize = batchSize;
        if (baseLr != null) c.lr = baseLr;
        if (weightDecay != null) c.weightDecay = weightDecay;
        if (clipGrad != null) c.clipGrad = clipGrad;
        if (dropPath != null) c.dropPath = dropPath;
        if (seed != null) c.seed = seed;
        if (workers != null) c.workers = workers;
        if (threads != null) c.threads = threads;
        if (trainLimit != null) c.trainLimit = trainLimit;
        if (valLimit != null) c.valLimit = valLimit;
        if (iterations != null) c.iterations = iterations;
        if (evalInterval != null) {
            c.evalInterval = evalInterval;
            c.checkpointInterval = evalInterval;
        }
        if (crop != null) c.crop = SegmentOptions.size("--crop", crop);
        return applySets(c, SegmentationTrainConfig.class).validate();
    }

    private boolean hasSettings() {
        return configFile != null || !sets.isEmpty() || !recipe.equals("official") || dataset != null || data != null || arch != null
                || init != null || freezeStages != null || epochs != null || warmupEpochs != null || batchSize != null
                || accumulationSteps != null || baseLr != null || warmupLr != null || minLr != null || weightDecay != null
                || clipGrad != null || labelSmoothing != null || dropPath != null || attention != null || clipAlpha != null
                || clipZeta != null || gateInit != null || mixup != null || cutmix != null
                || mixupProb != null || mixupSwitchProb != null || randAugment != null || reprob != null || ema != null
                || emaDecay != null || seed != null || workers != null || trainLimit != null || valLimit != null;
    }

    /** recipe → config file → flags → --set. */
    TrainConfig settings() throws Exception {
        TrainConfig c = TrainConfig.recipe(recipe);
        if (configFile != null) c = TrainConfig.read(configFile, c);
        if (dataset != null) c.dataset = dataset;
        if (data != null) c.data = data;
        if (arch != null) {
            c.arch = arch;
            c.model = null;
        }
        if (init != null) c.init = new WeightsOptions().resolve(Path.of(init), spec.commandLine().getErr()).toString();
        if (freezeStages != null) c.freezeStages = freezeStages;
        if (epochs != null) c.epochs = epochs;
        if (warmupEpochs != null) c.warmupEpochs = warmupEpochs;
        if (batchSize != null) c.batchSize = batchSize;
        if (accumulationSteps != null) c.accumulationSteps = accumulationSteps;
        if (baseLr != null) c.baseLr = baseLr;
        if (warmupLr != null) c.warmupLr = warmupLr;
        if (minLr != null) c.minLr = minLr;
        if (weightDecay != null) c.weightDecay = weightDecay;
        if (clipGrad != null) c.clipGrad = clipGrad;
        if (labelSmoothing != null) c.labelSmoothing = labelSmoothing;
        if (dropPath != null) c.dropPath = dropPath;
        if (attention != null) c.attention = attention;
        if (clipAlpha != null) c.clipAlpha = clipAlpha;
        if (clipZeta != null) c.clipZeta = clipZeta;
        if (gateInit != null) c.gateInit = gateInit;
        if (mixup != null) c.mixup = mixup;
        if (cutmix != null) c.cutmix = cutmix;
        if (mixupProb != null) c.mixupProb = mixupProb;
        if (mixupSwitchProb != null) c.mixupSwitchProb = mixupSwitchProb;
        if (randAugment != null) c.randAugment = randAugment;
        if (reprob != null) c.reprob = reprob;
        if (ema != null) c.ema = ema;
        if (emaDecay != null) c.emaDecay = emaDecay;
        if (seed != null) c.seed = seed;
        if (workers != null) c.workers = workers;
        if (threads != null) c.threads = threads;
        if (trainLimit != null) c.trainLimit = trainLimit;
        if (valLimit != null) c.valLimit = valLimit;
        c = applySets(c, TrainConfig.class);
        return c.validate();
    }

    /** Each --set KEY=VALUE onto {@code c}: the value as JSON where it parses (numbers, lists, objects), else as text. */
    private <T> T applySets(T c, Class<T> type) {
        if (sets.isEmpty()) return c;
        ObjectMapper json = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        for (Map.Entry<String, String> e : sets.entrySet()) {
            String v = e.getValue();
            com.fasterxml.jackson.databind.JsonNode value;
            try {
                value = json.readTree(v);
            } catch (Exception notJson) {
                value = json.getNodeFactory().textNode(v);
            }
            if (value == null) value = json.getNodeFactory().textNode(v);
            try {
                c = json.readerForUpdating(c).forType(type)
                        .readValue((com.fasterxml.jackson.databind.JsonNode) json.createObjectNode().set(e.getKey(), value));
            } catch (Exception ex) {
                throw new IllegalArgumentException("--set " + e.getKey() + "=" + v + ": " + CliErrors.firstLine(ex));
            }
        }
        return c;
    }

    /** Progress bar (epoch, step, loss, lr, img/s, ETA) on a terminal; one line per epoch always. */
    private final class Reporter implements Trainer.Listener {
        private final PrintWriter out, err;
        private ProgressBar bar;

        Reporter(PrintWriter out, PrintWriter err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void started(Trainer t) {
            Distributed d = t.distributed();
            out.printf("training %s (%,d parameters) on %,d images, %d classes; validation %,d images; %d batches of %d per epoch%s%n",
                    t.modelConfig().name(), t.model().parameters().count(), t.trainSamples(), t.classNames().size(), t.valSamples(),
                    t.batchesPerEpoch(), t.config().batchSize, d.isDistributed() ? String.format(" (%d ranks × %d)", d.worldSize(),
                            t.config().batchSize / d.worldSize()) : "");
            out.flush();
            if (!noProgress && System.console() != null) {
                long total = (long) t.config().epochs * t.batchesPerEpoch();
                bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(total).setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .startsFrom((long) t.completedEpochs() * t.batchesPerEpoch(), java.time.Duration.ZERO).build();
            }
        }

        @Override
        public void step(Trainer.StepInfo s) {
            if (bar == null) return;
            bar.stepTo((long) s.epoch() * s.batchesPerEpoch() + s.batch() + 1);
            bar.setExtraMessage(String.format(" epoch %d/%d loss %.4f lr %.2e %.0f img/s", s.epoch() + 1, s.epochs(), s.loss(), s.lr(),
                    s.imagesPerSecond()));
        }

        @Override
        public void epoch(TrainHistory.Epoch e) {
            if (bar != null) {
                bar.pause();
            }
            out.printf("epoch %d: train loss %.4f top-1 %.2f%% | val loss %.4f top-1 %.2f%% top-5 %.2f%%%s | lr %.2e | %.0f s, %.1f img/s%n",
                    e.epoch() + 1, e.trainLoss(), 100 * e.trainTop1(), e.valLoss(), 100 * e.valTop1(), 100 * e.valTop5(),
                    Double.isNaN(e.emaTop1()) ? "" : String.format(" (EMA %.2f%%)", 100 * e.emaTop1()), e.lr(), e.seconds(),
                    e.imagesPerSecond());
            out.flush();
            if (bar != null) bar.resume();
        }

        @Override
        public void message(String m) {
            err.println("swin train: " + m);
            err.flush();
        }
    }

    /** Segmentation progress: a bar per iteration (loss, lr, img/s) on a terminal; one line per evaluation always. */
    private final class SegmentationReporter implements SegmentationTrainer.Listener {
        private final PrintWriter out, err;
        private ProgressBar bar;

        SegmentationReporter(PrintWriter out, PrintWriter err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void started(SegmentationTrainer t) {
            out.printf("training UPerNet on %s (%,d parameters) on %,d images, %d classes; validation %,d images; %d iterations of %d%n",
                    t.modelConfig().backbone().name(), t.model().parameters().count(), t.trainSamples(), t.classNames().size(),
                    t.valSamples(), t.config().iterations, t.config().batchSize);
            out.flush();
            if (!noProgress && System.console() != null) {
                bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(t.config().iterations)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .startsFrom(t.completedIterations(), java.time.Duration.ZERO).build();
            }
        }

        @Override
        public void step(SegmentationTrainer.StepInfo s) {
            if (bar == null) return;
            bar.stepTo(s.iteration());
            bar.setExtraMessage(String.format(" loss %.4f lr %.2e %.1f img/s", s.loss(), s.lr(), s.imagesPerSecond()));
        }

        @Override
        public void evaluated(long iteration, SegmentationEvalReport r) {
            if (bar != null) bar.pause();
            out.printf("iteration %d: val mIoU %.2f%% mAcc %.2f%% aAcc %.2f%% (%d images, %.0f s)%n", iteration, 100 * r.meanIou(),
                    100 * r.metrics().meanAccuracy(), 100 * r.metrics().pixelAccuracy(), r.images(), r.seconds());
            out.flush();
            if (bar != null) bar.resume();
        }

        @Override
        public void message(String m) {
            err.println("swin train: " + m);
            err.flush();
        }
    }
}
