package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.swin4j.model.SwinConfig.Family;
import io.swin4j.hub.ModelEntry;
import io.swin4j.hub.ModelRegistry;
import io.swin4j.hub.WeightsCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code swin models}: the registry of named models and what of it is cached. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the named models that --weights NAME accepts: name, family, source, preset and whether "
                + "the file is cached.",
                "Cache: $SWIN4J_HOME (default ~/.cache/swin4j). Registry: bundled, or the file named by -Dswin4j.registry."})
final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--family", paramLabel = "FAMILY", description = "Only this family: ${COMPLETION-CANDIDATES}.")
    Family family;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Only this source: official, timm, hf, torchvision.")
    String source;

    @Option(names = "--cached", description = "Only the models already in the cache.")
    boolean cachedOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelRegistry registry = ModelRegistry.defaults();
        WeightsCache cache = WeightsCache.defaults();
        List<ModelEntry> shown = new ArrayList<>();
        for (ModelEntry e : registry.entries()) {
            if (family != null && e.family() != family) continue;
            if (source != null && !e.source().id().equals(source.toLowerCase(Locale.ROOT))) continue;
            if (cachedOnly && !cache.isCached(e)) continue;
            shown.add(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> models = new ArrayList<>();
            for (ModelEntry e : shown) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.name());
                m.put("family", e.family().name());
                m.put("source", e.source().id());
                m.put("preset", e.preset());
                m.put("num_classes", e.numClasses());
                m.put("url", e.url().toString());
                m.put("sha256", e.sha256());
                m.put("sha256_prefix", e.sha256Prefix());
                m.put("path", cache.pathOf(e).toString());
                m.put("cached", cache.isCached(e));
                models.add(m);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("registry", registry.origin());
            doc.put("cache", cache.root().toString());
            doc.put("models", models);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            int w = Math.max(4, shown.stream().mapToInt(e -> e.name().length()).max().orElse(4));
            int p = Math.max(6, shown.stream().mapToInt(e -> e.preset().length()).max().orElse(6));
            String row = "%-" + w + "s  %-6s  %-11s  %-" + p + "s  %s%n";
            out.printf(row, "NAME", "FAMILY", "SOURCE", "PRESET", "CACHED");
            for (ModelEntry e : shown) {
                out.printf(row, e.name(), e.family(), e.source().id(), e.preset(), cache.isCached(e) ? "yes" : "no");
            }
            out.printf("%d models; cache %s; registry %s%n", shown.size(), cache.root(), registry.origin());
        }
        out.flush();
        return 0;
    }
}
