package io.swin4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.swin4j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Some hosts preset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE because older OpenBLAS builds compute wrong results or crash
 * there: the tests and CI must run under the host's values, and a launcher or benchmark that unsets them unsets both
 * together, in that command only (tools/native-env.sh, sourced by ./swin and the benchmark scripts).
 */
class NativeEnvironmentScriptsTest {

    private static final Pattern OPENBLAS_HOST_VARS = Pattern.compile("OPENBLAS_(CORETYPE|L2_SIZE)");
    private static final Pattern UNSET = Pattern.compile("(?m)^\\s*unset\\s+([^#\\n]*)");

    private static Path repo() {
        return Fixtures.root().toAbsolutePath().normalize().getParent();
    }

    @Test
    void ciAndTheBuildLeaveTheHostsOpenBlasSettingsAlone() throws IOException {
        List<Path> files = new ArrayList<>(List.of(repo().resolve(".ci/run"), repo().resolve("pom.xml")));
        try (Stream<Path> poms = Files.list(repo())) {
            poms.filter(p -> p.getFileName().toString().startsWith("swin4j-"))
                .map(p -> p.resolve("pom.xml")).filter(Files::isRegularFile).forEach(files::add);
        }
        for (Path f : files) {
            assertThat(OPENBLAS_HOST_VARS.matcher(Files.readString(f)).find())
                .as("%s must not set or unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE", repo().relativize(f))
                .isFalse();
        }
    }

    @Test
    void everyScriptThatUnsetsOneUnsetsBoth() throws IOException {
        List<Path> scripts;
        try (Stream<Path> s = Files.walk(repo(), 3)) {
            scripts = s.filter(p -> p.toString().endsWith(".sh") || p.getFileName().toString().equals("swin"))
                       .filter(p -> !p.toString().contains("/target/") && Files.isRegularFile(p)).toList();
        }
        assertThat(scripts).as("scripts found").anyMatch(p -> p.endsWith("tools/native-env.sh"));
        for (Path script : scripts) {
            Matcher m = UNSET.matcher(Files.readString(script));
            while (m.find()) {
                String names = m.group(1);
                if (!OPENBLAS_HOST_VARS.matcher(names).find()) continue;
                assertThat(names).as("%s: %s", repo().relativize(script), m.group().trim())
                    .contains("OPENBLAS_CORETYPE").contains("OPENBLAS_L2_SIZE");
            }
        }
    }
}
