package io.swin4j.onnx.graph;

import com.google.protobuf.ByteString;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.onnx.proto.Onnx.AttributeProto;
import io.swin4j.onnx.proto.Onnx.NodeProto;
import io.swin4j.onnx.proto.Onnx.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small builder of ONNX graphs over the protobuf classes generated from the ONNX schema: graph inputs and outputs
 * with fixed or symbolic dimensions, initializers, and nodes whose outputs get unique names under the current
 * scope (a canonical parameter prefix such as {@code layers.0.blocks.1.attn}), so a graph reads like the model tree.
 * Not thread-safe; one builder writes one graph.
 */
public final class GraphBuilder {

    /** The domain of ONNX Runtime's contrib operators. */
    public static final String MICROSOFT = "com.microsoft";

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Map<String, Integer> used = new HashMap<>();
    private final Map<String, String> constants = new LinkedHashMap<>();
    private final List<String> scopes = new ArrayList<>();
    private boolean microsoft;
    /** With external weights: the weights {@link #weight} declared but did not embed, in order. */
    private final Map<String, io.swin4j.tensor.HostTensor> external;

    public GraphBuilder(String name) {
        this(name, false);
    }

    /**
     * @param externalWeights {@link #weight} declares each weight as an initializer whose data lives outside the model
     *                        ({@code data_location EXTERNAL}) and keeps the values in {@link #externalWeights()}, for
     *                        a runtime that takes them from memory (ONNX Runtime's {@code addExternalInitializers})
     */
    public GraphBuilder(String name, boolean externalWeights) {
        graph.setName(name);
        external = externalWeights ? new LinkedHashMap<>() : null;
    }

    /** The weights declared external, by initializer name (empty unless built with external weights). */
    public Map<String, io.swin4j.tensor.HostTensor> externalWeights() {
        return external == null ? Map.of() : java.util.Collections.unmodifiableMap(external);
    }

    // ---- scopes and names -------------------------------------------------------------------------------------

    /** Names of the nodes added until the matching {@link #pop} start with {@code scope}. */
    public GraphBuilder push(String scope) {
        scopes.add(scope);
        return this;
    }

    public GraphBuilder pop() {
        scopes.remove(scopes.size() - 1);
        return this;
    }

    private String unique(String hint) {
        String base = scopes.isEmpty() ? hint : String.join(".", scopes) + "/" + hint;
        int n = used.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + (n - 1);
    }

    // ---- inputs, outputs, initializers ------------------------------------------------------------------------

    /** A graph input; each dim a Long (fixed) or a String (symbolic). */
    public String input(String name, TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return name;
    }

    /** Marks {@code value} as a graph output under {@code name} (an Identity when the names differ). */
    public String output(String value, String name, TensorProto.DataType type, Object... dims) {
        if (!value.equals(name)) graph.addNode(node("Identity", "", List.of(value), List.of(name), List.of(), name));
        graph.addOutput(valueInfo(name, type, dims));
        return name;
    }

    private static Onnx.ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            Onnx.TensorShapeProto.Dimension.Builder dim = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) dim.setDimParam(s);
            else dim.setDimValue(((Number) d).longValue());
            shape.addDim(dim);
        }
        Onnx.TypeProto t = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(type.getNumber()).setShape(shape)).build();
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(t).build();
    }

    /** An fp32 initializer named {@code name} (made unique in the scope). */
    public String floats(String name, float[] data, long... shape) {
        checkSize(name, data.length, shape);
        return initializer(name, TensorProto.DataType.FLOAT, rawFloats(data), shape);
    }

    /** Little-endian fp32 bytes, wrapped without a second copy. */
    private static ByteString rawFloats(float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return com.google.protobuf.UnsafeByteOperations.unsafeWrap(b.array());
    }

    /** An fp32 initializer named exactly {@code name}, whatever the scope (a canonical parameter name). */
    public String weight(String name, float[] data, long... shape) {
        List<String> saved = new ArrayList<>(scopes);
        scopes.clear();
        try {
            if (used.containsKey(name)) throw new IllegalArgumentException("initializer " + name + " written twice");
            used.put(name, 1);
            checkSize(name, data.length, shape);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
            for (long d : shape) t.addDims(d);
            if (external != null) {
                external.put(name, new io.swin4j.tensor.HostTensor(shape.clone(), data, "float32"));
                t.setDataLocation(TensorProto.DataLocation.EXTERNAL).addExternalData(Onnx.StringStringEntryProto
                        .newBuilder().setKey("location").setValue("swin4j-in-memory/" + name));
            } else {
                t.setRawData(rawFloats(data));
            }
            graph.addInitializer(t);
            return name;
        } finally {
            scopes.addAll(saved);
        }
    }

    /** An int64 initializer. */
    public String longs(String name, long[] data, long... shape) {
        checkSize(name, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return initializer(name, TensorProto.DataType.INT64, com.google.protobuf.UnsafeByteOperations.unsafeWrap(b.array()),
                shape);
    }

    /** An int64 initializer from ints. */
    public String longs(String name, int[] data, long... shape) {
        long[] l = new long[data.length];
        for (int i = 0; i < data.length; i++) l[i] = data[i];
        return longs(name, l, shape);
    }

    /** A 1-D int64 constant (a shape, axes, pads), shared by every use of the same values. */
    public String shape(long... values) {
        return shared("i64:" + java.util.Arrays.toString(values), n -> longs("const_" + n, values, values.length));
    }

    /** A scalar fp32 constant, shared by every use of the same value. */
    public String scalar(float value) {
        return shared("f32:" + Float.floatToIntBits(value), n -> floats("scalar_" + n, new float[] {value}));
    }

    /** A 0-D int64 constant (Range's bounds), shared by every use of the same value. */
    public String scalarLong(long value) {
        return shared("i64s:" + value, n -> longs("scalar_i64_" + n, new long[] {value}));
    }

    /** One graph-wide constant per key, written outside any scope by {@code write} (given a sequence number). */
    private String shared(String key, java.util.function.IntFunction<String> write) {
        String existing = constants.get(key);
        if (existing != null) return existing;
        List<String> saved = new ArrayList<>(scopes);
        scopes.clear();
        try {
            String name = write.apply(constants.size());
            constants.put(key, name);
            return name;
        } finally {
            scopes.addAll(saved);
        }
    }

    private static void checkSize(String name, int length, long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != length) throw new IllegalArgumentException(name + ": " + length + " values for shape " + java.util.Arrays.toString(shape));
    }

    private String initializer(String hint, TensorProto.DataType type, ByteString raw, long... shape) {
        String name = unique(hint);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(raw);
        for (long d : shape) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    // ---- nodes ------------------------------------------------------------------------------------------------

    /** A node of the default domain with one output. */
    public String op(String type, List<String> inputs, AttributeProto... attrs) {
        return ops("", type, 1, inputs, attrs).get(0);
    }

    /** A node of the default domain with one output. */
    public String op(String type, String... inputs) {
        return op(type, List.of(inputs));
    }

    /** A node of ONNX Runtime's {@code com.microsoft} domain with one output. */
    public String microsoft(String type, List<String> inputs, AttributeProto... attrs) {
        microsoft = true;
        return ops(MICROSOFT, type, 1, inputs, attrs).get(0);
    }

    /** A node of the {@code com.microsoft} domain with {@code outputs} outputs. */
    public List<String> microsoftOps(String type, int outputs, List<String> inputs, AttributeProto... attrs) {
        microsoft = true;
        return ops(MICROSOFT, type, outputs, inputs, attrs);
    }

    /** A node with {@code outputs} outputs; an empty input name is an omitted optional input. */
    public List<String> ops(String domain, String type, int outputs, List<String> inputs, AttributeProto... attrs) {
        String name = unique(type);
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) outs.add(outputs == 1 ? name : name + ":" + i);
        graph.addNode(node(type, domain, inputs, outs, List.of(attrs), name));
        return outs;
    }

    private static NodeProto node(String type, String domain, List<String> in, List<String> out,
                                  List<AttributeProto> attrs, String name) {
        return NodeProto.newBuilder().setOpType(type).setDomain(domain).setName(name).addAllInput(in)
                .addAllOutput(out).addAllAttribute(attrs).build();
    }

    // ---- attributes -------------------------------------------------------------------------------------------

    public static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    public static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) b.addInts(v);
        return b.build();
    }

    public static AttributeProto attr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    // ---- the model ---------------------------------------------------------------------------------------------

    public int nodeCount() { return graph.getNodeCount(); }

    /**
     * The model: IR version 8, the default opset {@code opset} (and {@code com.microsoft} version 1 when a contrib
     * node was added), with {@code metadata} as its metadata properties.
     */
    public Onnx.ModelProto build(int opset, String producerVersion, Map<String, String> metadata) {
        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("swin4j")
                .setProducerVersion(producerVersion).setGraph(graph.build())
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
        if (microsoft) m.addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1));
        metadata.forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }
}
