package io.swin4j.cli;

import io.swin4j.testing.Fixtures;
import io.swin4j.testing.PackageGraph;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module structure of the whole reactor, from the compiled classes of every module (jdeps): no package cycle
 * among the io.swin4j packages, no package split across modules, and inference apart from training (core, serve and
 * spark use no io.swin4j.train class). Here because swin4j-cli is the one module whose class path holds every other
 * module's classes (the test checks that it does, module by module, from the parent pom's module list).
 */
class ModuleStructureTest {

    private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>");

    @Test
    void noCycleNoSplitPackageAndNoTrainingInInference() throws IOException {
        Map<String, Path> classes = mainClassesOnClassPath();
        assertThat(classes.keySet()).as("the main classes of every module of the parent pom, on %s",
                System.getProperty("java.class.path")).containsExactlyInAnyOrderElementsOf(reactorModules());

        PackageGraph graph = PackageGraph.ofClasses(classes);
        assertThat(graph.packages()).as("not vacuous").contains(
                "io.swin4j.model", "io.swin4j.train", "io.swin4j.serve", "io.swin4j.spark", "io.swin4j.cli");
        assertThat(graph.uses("io.swin4j.cli")).as("not vacuous").contains("io.swin4j.train", "io.swin4j.serve");
        assertThat(graph.splitPackages()).as("packages whose classes come from more than one module").isEmpty();
        assertThat(graph.cycles()).as("package cycles:%n%s", graph.describeCycles()).isEmpty();
        for (String inference : List.of("swin4j-core", "swin4j-serve", "swin4j-spark")) {
            assertThat(graph.usedBy(inference)).as("%s uses training", inference)
                    .noneMatch(p -> p.equals("io.swin4j.train") || p.startsWith("io.swin4j.train."));
        }
    }

    /** The parent pom's modules. */
    private static Set<String> reactorModules() throws IOException {
        Path parentPom = Fixtures.root().toAbsolutePath().getParent().resolve("pom.xml");
        Set<String> modules = new TreeSet<>();
        Matcher m = MODULE.matcher(Files.readString(parentPom));
        while (m.find()) modules.add(m.group(1));
        assertThat(modules).as("modules of %s", parentPom).contains("swin4j-core", "swin4j-cli");
        return modules;
    }

    /**
     * Module name -> its main classes, for each class path entry that holds io.swin4j classes and is not test code:
     * {@code <module>/target/classes} in a reactor build, {@code .../io/swin4j/<module>/<version>/<module>-<version>.jar}
     * from a repository. Fails on two entries for one module.
     */
    private static Map<String, Path> mainClassesOnClassPath() {
        Map<String, Path> modules = new TreeMap<>();
        List<String> entries = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (String entry : entries) {
            Path p = Path.of(entry).toAbsolutePath().normalize();
            String name = p.getFileName().toString();
            String module;
            if (Files.isDirectory(p) && name.equals("classes") && p.getParent().getFileName().toString().equals("target")) {
                module = p.getParent().getParent().getFileName().toString();
            } else if (name.endsWith(".jar") && !name.endsWith("-tests.jar") && p.getNameCount() >= 4
                    && p.getParent().getParent().getParent().getFileName().toString().equals("swin4j")) {
                module = p.getParent().getParent().getFileName().toString();
            } else {
                continue;
            }
            if (PackageGraph.packagesInClasses(p).stream().noneMatch(pkg -> pkg.startsWith("io.swin4j"))) continue;
            Path previous = modules.put(module, p);
            assertThat(previous).as("two class path entries for %s: %s and %s", module, previous, p).isNull();
        }
        return modules;
    }
}
