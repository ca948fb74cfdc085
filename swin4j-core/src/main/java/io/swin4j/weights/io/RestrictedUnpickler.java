package io.swin4j.weights.io;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Pyrolite unpickler that resolves only an allowlist of globals, so a checkpoint can never make it run or
 * instantiate anything else. Every opcode that names a global (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*) is
 * intercepted here; REDUCE and NEWOBJ can therefore only call the constructors this class supplies; BUILD
 * (which Pyrolite would implement by reflection) only accepts state for the containers we create.
 *
 * <p>Allowed: {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor}, {@code _rebuild_parameter},
 * {@code _rebuild_parameter_with_state}, the typed storages ({@code torch.FloatStorage} ...) and
 * {@code collections.OrderedDict}. Plain containers and primitives are opcodes, not globals.
 *
 * <p>Resources: Pyrolite allocates whatever length a length-prefixed opcode declares, so every such opcode (BINBYTES,
 * BINUNICODE, BINSTRING, LONG4, BYTEARRAY8 ... and their short and 8-byte forms) has its length checked here against
 * the input that remains before Pyrolite reads it; decimal INT/LONG lines are capped at Python's 4300 digits; the
 * number of opcodes executed (hence of objects, memo entries and stack slots) is capped; dict keys and set elements
 * must be hashable as in Python (no list, dict or set), so no hash of a self-containing container is ever taken.
 */
final class RestrictedUnpickler extends Unpickler {

    /** A non-allowlisted object in lenient mode: only its class name is kept; nothing was called. */
    public record Opaque(String pythonClass) {}

    /** The storage type a persistent id names: the global itself appears in the id, uncalled. */
    record StorageType(DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("refused call of a storage type");
        }
    }

    private final Map<String, IObjectConstructor> allowed = new LinkedHashMap<>();
    private final Function<Object, Object> persistent;
    private final boolean lenient;
    private final long maxOps;
    private long ops;

    /**
     * @param persistent resolves a persistent id (torch's ('storage', type, key, location, numel) tuple)
     * @param rebuildTensor builds a tensor from _rebuild_tensor_v2's arguments
     * @param lenient    replace non-allowlisted globals by {@link Opaque} placeholders instead of refusing
     */
    RestrictedUnpickler(Function<Object, Object> persistent, Function<Object[], Object> rebuildTensor, boolean lenient,
                        long maxOps) {
        this.persistent = persistent;
        this.lenient = lenient;
        this.maxOps = maxOps;
        IObjectConstructor rebuild = rebuildTensor::apply;
        allowed.put("torch._utils._rebuild_tensor_v2", rebuild);
        allowed.put("torch._utils._rebuild_tensor", rebuild);
        // _rebuild_parameter(data, requires_grad, backward_hooks[, state]): the data is the tensor.
        allowed.put("torch._utils._rebuild_parameter", args -> args[0]);
        allowed.put("torch._utils._rebuild_parameter_with_state", args -> args[0]);
        allowed.put("collections.OrderedDict", args -> new LinkedHashMap<>());
        Map<String, DType> storages = Map.of("FloatStorage", DType.F32, "HalfStorage", DType.F16,
                "BFloat16Storage", DType.BF16, "DoubleStorage", DType.F64, "LongStorage", DType.I64,
                "IntStorage", DType.I32, "ShortStorage", DType.I16, "CharStorage", DType.I8,
                "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);
        storages.forEach((name, dtype) -> allowed.put("torch." + name, new StorageType(dtype)));
    }

    /** Python's default limit on the digits of an int parsed from text (sys.int_info.default_max_str_digits). */
    static final int MAX_DIGITS = 4300;

    @Override
    public Object loads(byte[] pickle) throws PickleException, IOException {
        // A ByteArrayInputStream knows how much remains and can re-read a length prefix (mark/reset).
        return load(new ByteArrayInputStream(pickle));
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        if (++ops > maxOps) {
            throw new PickleException("refused pickle: more than " + maxOps + " opcodes (CheckpointLimits.maxPickleOps)");
        }
        switch (key) {
            case Opcodes.SHORT_BINSTRING, Opcodes.SHORT_BINBYTES, Opcodes.SHORT_BINUNICODE, Opcodes.LONG1 ->
                    checkLength(key, 1);
            case Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE, Opcodes.LONG4 -> checkLength(key, 4);
            case Opcodes.BINBYTES8, Opcodes.BINUNICODE8, Opcodes.BYTEARRAY8 -> checkLength(key, 8);
            case Opcodes.INT, Opcodes.LONG -> checkLine(key, MAX_DIGITS + 2);
            default -> { }
        }
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(name instanceof String n) || !(module instanceof String m)) {
                    throw new PickleException("malformed STACK_GLOBAL");
                }
                stack.add(resolve(m, n));
                return NO_RETURN_VALUE;
            }
            // Pyrolite parses INT's decimal line as a Java long: a longer number (Python allows any) is refused as such.
            case Opcodes.INT -> {
                try {
                    return super.dispatch(key);
                } catch (NumberFormatException e) {
                    throw new PickleException("refused pickle: INT opcode with a number beyond 64 bits ("
                            + Summary.of(String.valueOf(e.getMessage()), 80) + ")");
                }
            }
            // Pyrolite fills dicts through a HashMap, losing the key order that state dicts rely on.
            case Opcodes.EMPTY_DICT -> {
                stack.add(new LinkedHashMap<>());
                return NO_RETURN_VALUE;
            }
            case Opcodes.DICT -> {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> dict = new LinkedHashMap<>();
                putPairs(dict, items);
                stack.add(dict);
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object k = hashable(stack.pop());
                targetMap().put(k, value);
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(targetMap(), items);
                return NO_RETURN_VALUE;
            }
            // Pyrolite fills sets through HashSet.add: check hashability first.
            case Opcodes.ADDITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                items.forEach(RestrictedUnpickler::hashable);
                if (!(stack.peek() instanceof Set<?> set)) throw new PickleException("ADDITEMS on " + describe(stack.peek()));
                @SuppressWarnings("unchecked") Set<Object> target = (Set<Object>) set;
                target.addAll(items);
                return NO_RETURN_VALUE;
            }
            case Opcodes.FROZENSET -> {
                List<Object> items = stack.pop_all_since_marker();
                items.forEach(RestrictedUnpickler::hashable);
                stack.add(new HashSet<>(items));
                return NO_RETURN_VALUE;
            }
            case Opcodes.INST, Opcodes.OBJ, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                    throw new PickleException("refused pickle opcode " + opcodeName(key)
                            + ": checkpoints never need it (allowed globals: " + allowed.keySet() + ")");
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                Object target = stack.peek();
                // torch attaches _metadata to state-dict OrderedDicts; placeholders take any state. Neither
                // runs code. Anything else reaching BUILD is not part of a tensor checkpoint.
                if (!(target instanceof Map) && !(target instanceof Opaque)) {
                    throw new PickleException("refused BUILD (__setstate__) on " + describe(target));
                }
                return NO_RETURN_VALUE;
            }
            default -> {
                return super.dispatch(key);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> targetMap() {
        Object target = stack.peek();
        if (target instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        if (target instanceof Opaque) return new LinkedHashMap<>(); // a placeholder absorbs its items
        throw new PickleException("SETITEM(S) on " + describe(target));
    }

    private static void putPairs(Map<Object, Object> dict, List<Object> items) {
        if (items.size() % 2 != 0) throw new PickleException("odd number of dict items");
        for (int i = 0; i < items.size(); i += 2) dict.put(hashable(items.get(i)), items.get(i + 1));
    }

    /** Python refuses lists, dicts and sets as keys; hashing them here could recurse through a cycle. */
    private static Object hashable(Object key) {
        if (key instanceof Collection || key instanceof Map) {
            throw new PickleException("unhashable " + describe(key) + " used as a dict key or set element");
        }
        return key;
    }

    /** The length prefix of the opcode about to run, checked against the input that remains; the input is rewound. */
    private void checkLength(short key, int width) throws IOException {
        input.mark(8);
        byte[] b = input.readNBytes(width);
        input.reset();
        if (b.length < width) throw new PickleException("truncated pickle: length of opcode " + key + " cut off");
        long length = 0;
        for (int i = width - 1; i >= 0; i--) length = (length << 8) | (b[i] & 0xff);
        // BINSTRING and LONG4 are signed 4-byte lengths in Python; the others unsigned. Both ways, negative is refused.
        if (width == 4 && (key == Opcodes.BINSTRING || key == Opcodes.LONG4)) length = (int) length;
        long remaining = input.available() - width;
        if (length < 0 || length > remaining) {
            throw new PickleException("refused pickle opcode " + key + " declaring " + length + " bytes with "
                    + remaining + " left in the pickle");
        }
    }

    /** A decimal INT/LONG line no longer than Python accepts (parsing longer ones is quadratic). */
    private void checkLine(short key, int max) throws IOException {
        input.mark(max + 1);
        byte[] b = input.readNBytes(max + 1);
        input.reset();
        for (byte c : b) if (c == '\n') return;
        if (b.length > max) {
            throw new PickleException("refused pickle opcode " + key + ": a decimal integer over " + MAX_DIGITS + " digits");
        }
    }

    private Object resolve(String module, String name) {
        String qualified = module + "." + name;
        IObjectConstructor c = allowed.get(qualified);
        if (c != null) return c;
        if (lenient) {
            Opaque placeholder = new Opaque(qualified);
            return (IObjectConstructor) args -> placeholder;
        }
        throw new PickleException("refused global " + qualified + ": not on the allowlist of tensor-checkpoint types"
                + " (nothing from the file was run; a training checkpoint holding such objects can be read in lenient"
                + " mode, --lenient-pickle, which keeps them as inert placeholders)");
    }

    @Override
    protected Object persistentLoad(Object pid) {
        return persistent.apply(pid);
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static String opcodeName(short key) {
        return switch (key) {
            case Opcodes.INST -> "INST";
            case Opcodes.OBJ -> "OBJ";
            default -> "EXT";
        };
    }
}
