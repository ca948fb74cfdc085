package io.swin4j.weights.io;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import java.io.IOException;
import java.util.LinkedHashMap;
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

    /**
     * @param persistent resolves a persistent id (torch's ('storage', type, key, location, numel) tuple)
     * @param rebuildTensor builds a tensor from _rebuild_tensor_v2's arguments
     * @param lenient    replace non-allowlisted globals by {@link Opaque} placeholders instead of refusing
     */
    RestrictedUnpickler(Function<Object, Object> persistent, Function<Object[], Object> rebuildTensor, boolean lenient) {
        this.persistent = persistent;
        this.lenient = lenient;
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

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
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
                Object k = stack.pop();
                targetMap().put(k, value);
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(targetMap(), items);
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
        for (int i = 0; i < items.size(); i += 2) dict.put(items.get(i), items.get(i + 1));
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
