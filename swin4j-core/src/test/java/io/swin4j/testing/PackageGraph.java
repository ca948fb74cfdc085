package io.swin4j.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * The dependencies between the {@code io.swin4j} packages of compiled code, read from the class files by the JDK's
 * {@code jdeps} (through {@link ToolProvider}, in-process): every reference in a class file counts (fields, method
 * signatures and bodies, constants, annotations), not only imports. Also records which module each package's classes
 * come from, for the split-package check.
 */
public final class PackageGraph {

    private static final String PREFIX = "io.swin4j";
    // "   io.swin4j.model    -> io.swin4j.engine    classes"
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+.*$");

    /** package -> the io.swin4j packages its classes use (never itself). */
    private final Map<String, Set<String>> uses;
    /** package -> the modules whose classes are in it. */
    private final Map<String, Set<String>> modules;
    /** module -> the io.swin4j packages its classes use (its own included). */
    private final Map<String, Set<String>> moduleUses;

    private PackageGraph(Map<String, Set<String>> uses, Map<String, Set<String>> modules,
                         Map<String, Set<String>> moduleUses) {
        this.uses = uses;
        this.modules = modules;
        this.moduleUses = moduleUses;
    }

    /** A graph given directly (package -> packages it uses), all in one module: to test the cycle search itself. */
    public static PackageGraph of(Map<String, Set<String>> uses) {
        Map<String, Set<String>> u = new TreeMap<>(), m = new TreeMap<>();
        uses.forEach((from, tos) -> {
            u.computeIfAbsent(from, k -> new TreeSet<>());
            m.computeIfAbsent(from, k -> new TreeSet<>()).add("given");
            for (String to : tos) {
                u.computeIfAbsent(to, k -> new TreeSet<>());
                m.computeIfAbsent(to, k -> new TreeSet<>()).add("given");
                if (!to.equals(from)) u.get(from).add(to);
            }
        });
        return new PackageGraph(u, m, Map.of());
    }

    /**
     * Reads compiled modules: module name -> its classes (a {@code target/classes} folder or a jar). Runs jdeps on
     * each; fails when jdeps is missing (a JRE without the jdk.jdeps module) or reports an error.
     */
    public static PackageGraph ofClasses(Map<String, Path> classesByModule) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("no jdeps in this JDK (module jdk.jdeps)"));
        Map<String, Set<String>> uses = new TreeMap<>(), modules = new TreeMap<>(), moduleUses = new TreeMap<>();
        classesByModule.forEach((module, classes) -> {
            for (String pkg : packagesInClasses(classes)) {
                if (!isOurs(pkg)) continue;
                modules.computeIfAbsent(pkg, k -> new TreeSet<>()).add(module);
                uses.computeIfAbsent(pkg, k -> new TreeSet<>());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            int rc = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8),
                    "-verbose:package", "-filter:none", classes.toString());
            if (rc != 0) {
                throw new IllegalStateException("jdeps " + classes + " exited " + rc + ": " + err.toString(StandardCharsets.UTF_8));
            }
            Set<String> used = moduleUses.computeIfAbsent(module, k -> new TreeSet<>());
            for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
                Matcher m = EDGE.matcher(line);
                if (!m.matches() || !isOurs(m.group(1)) || !isOurs(m.group(2))) continue;
                used.add(m.group(2));
                uses.computeIfAbsent(m.group(2), k -> new TreeSet<>());
                if (!m.group(1).equals(m.group(2))) {
                    uses.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
                }
            }
        });
        return new PackageGraph(uses, modules, moduleUses);
    }

    private static boolean isOurs(String pkg) {
        return pkg.equals(PREFIX) || pkg.startsWith(PREFIX + ".");
    }

    /** The packages that hold at least one class file in a classes folder or jar. */
    public static Set<String> packagesInClasses(Path classes) {
        Set<String> packages = new TreeSet<>();
        try {
            if (Files.isDirectory(classes)) {
                try (Stream<Path> files = Files.walk(classes)) {
                    files.filter(f -> f.toString().endsWith(".class")).forEach(f -> {
                        Path dir = classes.relativize(f).getParent();
                        if (dir != null) packages.add(dir.toString().replace(classes.getFileSystem().getSeparator(), "."));
                    });
                }
            } else {
                try (ZipFile jar = new ZipFile(classes.toFile())) {
                    jar.stream().map(e -> e.getName())
                            .filter(n -> n.endsWith(".class") && n.contains("/") && !n.startsWith("META-INF/"))
                            .forEach(n -> packages.add(n.substring(0, n.lastIndexOf('/')).replace('/', '.')));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return packages;
    }

    public Set<String> packages() {
        return Collections.unmodifiableSet(uses.keySet());
    }

    /** The io.swin4j packages that {@code pkg}'s classes use, itself excluded. */
    public Set<String> uses(String pkg) {
        return Collections.unmodifiableSet(uses.getOrDefault(pkg, Set.of()));
    }

    /** The io.swin4j packages that a module's classes use (its own included). */
    public Set<String> usedBy(String module) {
        return Collections.unmodifiableSet(moduleUses.getOrDefault(module, Set.of()));
    }

    /** Packages whose classes come from more than one module, with those modules. */
    public Map<String, Set<String>> splitPackages() {
        Map<String, Set<String>> split = new TreeMap<>();
        modules.forEach((pkg, mods) -> {
            if (mods.size() > 1) split.put(pkg, mods);
        });
        return split;
    }

    /**
     * One cycle for each group of packages that reach each other (each strongly connected component of more than one
     * package), as a path that ends where it starts: {@code [a, b, c, a]}. Empty when the graph is acyclic.
     */
    public List<List<String>> cycles() {
        List<List<String>> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected()) {
            if (component.size() > 1) cycles.add(cycleWithin(component));
        }
        return cycles;
    }

    /** Every cycle of {@link #cycles()} written as "a -> b -> a", one a line; "" when there is none. */
    public String describeCycles() {
        StringBuilder s = new StringBuilder();
        for (List<String> cycle : cycles()) s.append(String.join(" -> ", cycle)).append('\n');
        return s.toString();
    }

    // Tarjan's algorithm, iterative over a sorted graph, so the result does not depend on hash order.
    private List<Set<String>> stronglyConnected() {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String root : uses.keySet()) {
            if (index.containsKey(root)) continue;
            Deque<Map.Entry<String, List<String>>> work = new ArrayDeque<>();
            visit(root, index, low, counter, stack, onStack, work);
            while (!work.isEmpty()) {
                Map.Entry<String, List<String>> top = work.peek();
                String v = top.getKey();
                List<String> pending = top.getValue();
                if (!pending.isEmpty()) {
                    String w = pending.remove(0);
                    if (!index.containsKey(w)) {
                        visit(w, index, low, counter, stack, onStack, work);
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = work.peek().getKey();
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> component = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w);
                    } while (!w.equals(v));
                    components.add(component);
                }
            }
        }
        return components;
    }

    private void visit(String v, Map<String, Integer> index, Map<String, Integer> low, int[] counter,
                       Deque<String> stack, Set<String> onStack, Deque<Map.Entry<String, List<String>>> work) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        work.push(Map.entry(v, new ArrayList<>(uses.getOrDefault(v, Set.of()))));
    }

    /** A shortest path from the component's first package back to itself, inside the component. */
    private List<String> cycleWithin(Set<String> component) {
        String start = component.iterator().next();
        Map<String, String> previous = new LinkedHashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String v = queue.poll();
            for (String w : uses.get(v)) {
                if (!component.contains(w)) continue;
                if (w.equals(start)) {
                    List<String> path = new ArrayList<>();
                    for (String p = v; p != null; p = previous.get(p)) path.add(p);  // v back to start
                    Collections.reverse(path);
                    path.add(start);
                    return path;
                }
                if (!previous.containsKey(w) && !w.equals(start)) {
                    previous.put(w, v);
                    queue.add(w);
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in " + component);
    }
}
