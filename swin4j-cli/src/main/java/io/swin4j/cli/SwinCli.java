package io.swin4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code swin} command. */
@Command(name = "swin", mixinStandardHelpOptions = true, version = "swin4j 0.1.0",
        description = "Swin Transformer in Java: classify, embed and segment images; train and evaluate; inspect, convert and run checkpoints.",
        subcommands = {PredictCommand.class, EmbedCommand.class, SegmentCommand.class, InspectCommand.class, ForwardCommand.class, ConvertCommand.class, ExportCommand.class, QuantizeCommand.class, TrainCommand.class, EvalCommand.class,
                BenchCommand.class, ServeCommand.class, ModelsCommand.class, OutliersCommand.class, io.swin4j.spark.SparkPredictJob.class,
                CommandLine.HelpCommand.class})
public final class SwinCli {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SwinCli());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            // Expected failures (bad files, bad shapes) get one clear line, not a stack trace.
            cmd.getErr().println("swin " + cmd.getCommandName() + ": " + describe(ex));
            if (System.getenv("SWIN4J_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        return msg == null || msg.isBlank() ? ex.getClass().getSimpleName() : msg;
    }
}
