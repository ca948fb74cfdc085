package io.swin4j;

import io.swin4j.testing.PackageGraph;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No package cycles in swin4j-core's compiled classes (jdeps on target/classes), and core is inference only: none of
 * its classes uses io.swin4j.train. The whole reactor (every module together, split packages included) is checked by
 * swin4j-cli's ModuleStructureTest, the one module that depends on all the others.
 */
class PackageCyclesTest {

    @Test
    void theCycleSearchFindsEachCycleAndNothingInAnAcyclicGraph() {
        // Written out: a DAG with a diamond and self references (a class using its own package) has no cycle.
        assertThat(PackageGraph.of(Map.of(
                "a", Set.of("a", "b", "c"), "b", Set.of("d"), "c", Set.of("d"), "d", Set.of("d"))).cycles()).isEmpty();
        // a -> b -> c -> a, entered from x; and apart from it p <-> q: two cycles, each a closed path.
        PackageGraph g = PackageGraph.of(Map.of(
                "x", Set.of("a"), "a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a", "d"),
                "p", Set.of("q"), "q", Set.of("p")));
        assertThat(g.cycles()).containsExactlyInAnyOrder(List.of("a", "b", "c", "a"), List.of("p", "q", "p"));
        // The shortest way round: a -> c -> a rather than a -> b -> c -> a.
        assertThat(PackageGraph.of(Map.of("a", Set.of("b", "c"), "b", Set.of("c"), "c", Set.of("a"))).cycles())
                .containsExactly(List.of("a", "c", "a"));
    }

    @Test
    void coreHasNoPackageCycleAndNoTraining() {
        PackageGraph core = PackageGraph.ofClasses(Map.of("swin4j-core", Path.of("target", "classes")));
        // Not vacuous: the packages of core and edges between them are there.
        assertThat(core.packages()).contains("io.swin4j.model", "io.swin4j.weights", "io.swin4j.infer", "io.swin4j.tensor");
        assertThat(core.uses("io.swin4j.infer")).contains("io.swin4j.model");
        assertThat(core.cycles()).as("package cycles in swin4j-core:%n%s", core.describeCycles()).isEmpty();
        assertThat(core.usedBy("swin4j-core")).as("swin4j-core is inference only")
                .noneMatch(p -> p.equals("io.swin4j.train") || p.startsWith("io.swin4j.train."));
    }
}
