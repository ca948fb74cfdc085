package io.swin4j.cli;

import io.swin4j.infer.InferenceEngines;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --engine}: the inference engine a command runs the model on. */
final class EngineOption {

    @Option(names = "--engine", paramLabel = "libtorch|onnxruntime", defaultValue = InferenceEngines.LIBTORCH,
            converter = Name.class,
            description = "Inference engine: libtorch (default; every precision) or onnxruntime (swin4j's own ONNX "
                    + "graph run by ONNX Runtime; fp32).")
    String name;

    /** Checks the name against the engines on the class path. */
    static final class Name implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (InferenceEngines.available().contains(value)) return value;
            throw new CommandLine.TypeConversionException("unknown engine '" + value + "' (choose "
                    + String.join(" or ", InferenceEngines.available()) + ")");
        }
    }
}
