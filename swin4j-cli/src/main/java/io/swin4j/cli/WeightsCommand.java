package io.swin4j.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** A command that loads a checkpoint: the shared loading flags and the command's output streams. */
abstract class WeightsCommand implements Callable<Integer> {

    @Mixin
    WeightsOptions weights;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
