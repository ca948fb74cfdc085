package io.swin4j.hub;

import io.swin4j.model.SwinConfig.Family;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Named public weight files, read from a JSON registry: the bundled {@code io/swin4j/hub/models.json}, or the file
 * named by the system property {@value #REGISTRY_PROPERTY} (which replaces it; tests point entries at a loopback
 * server this way).
 *
 * <p>Format ({@code swin4j-registry/1}): {@code groups}, each with {@code family}, {@code source},
 * {@code cited_from} and {@code entries}; an entry has {@code name}, {@code preset}, {@code url}, {@code file},
 * {@code num_classes} and optionally {@code sha256} or {@code sha256_prefix}.
 */
public final class ModelRegistry {

    public static final String REGISTRY_PROPERTY = "swin4j.registry";
    static final String SCHEMA = "swin4j-registry/1";
    private static final String BUNDLED = "models.json";
    private static final Pattern FULL_HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HASH_PREFIX = Pattern.compile("[0-9a-f]{8,63}");

    private final Map<String, ModelEntry> entries;
    private final String origin;

    private ModelRegistry(Map<String, ModelEntry> entries, String origin) {
        this.entries = entries;
        this.origin = origin;
    }

    /** The registry in use: the file named by {@value #REGISTRY_PROPERTY} if set, else the bundled one. */
    public static ModelRegistry defaults() {
        String override = System.getProperty(REGISTRY_PROPERTY);
        try {
            return override != null && !override.isBlank() ? read(Path.of(override)) : bundled();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The registry shipped with swin4j. */
    public static ModelRegistry bundled() throws IOException {
        try (InputStream in = ModelRegistry.class.getResourceAsStream(BUNDLED)) {
            if (in == null) throw new IOException("missing resource io/swin4j/hub/" + BUNDLED);
            return parse(in, "bundled io/swin4j/hub/" + BUNDLED);
        }
    }

    public static ModelRegistry read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        }
    }

    static ModelRegistry parse(InputStream in, String origin) throws IOException {
        JsonNode root = new ObjectMapper().readTree(in);
        if (root == null || !SCHEMA.equals(root.path("schema").asText())) {
            throw new IOException(origin + ": not a " + SCHEMA + " registry (schema field)");
        }
        Map<String, ModelEntry> map = new LinkedHashMap<>();
        for (JsonNode g : root.path("groups")) {
            Family family;
            Source source;
            try {
                family = Family.valueOf(required(g, "family", origin));
                source = Source.of(required(g, "source", origin));
            } catch (IllegalArgumentException e) {
                throw new IOException(origin + ": " + e.getMessage(), e);
            }
            String cited = g.path("cited_from").asText(null);
            for (JsonNode e : g.path("entries")) {
                ModelEntry entry = entry(e, family, source, cited, origin);
                if (map.putIfAbsent(entry.name(), entry) != null) {
                    throw new IOException(origin + ": duplicate model name " + entry.name());
                }
            }
        }
        return new ModelRegistry(Collections.unmodifiableMap(map), origin);
    }

    private static ModelEntry entry(JsonNode e, Family family, Source source, String cited, String origin) throws IOException {
        String name = required(e, "name", origin);
        String where = origin + ": model " + name + ": ";
        URI url;
        try {
            url = URI.create(required(e, "url", origin));
        } catch (IllegalArgumentException x) {
            throw new IOException(where + "bad url: " + x.getMessage(), x);
        }
        if (!"https".equals(url.getScheme()) && !("http".equals(url.getScheme()) && isLoopback(url.getHost()))) {
            throw new IOException(where + "url must be https (plain http only on the loopback): " + url);
        }
        String file = required(e, "file", origin);
        Path rel = Path.of(file);
        if (rel.isAbsolute() || !rel.normalize().equals(rel) || rel.startsWith("..") || file.contains("\\")) {
            throw new IOException(where + "file must be a plain relative path inside the cache: " + file);
        }
        String sha = lower(e.path("sha256").asText(null)), prefix = lower(e.path("sha256_prefix").asText(null));
        if (sha != null && !FULL_HASH.matcher(sha).matches()) throw new IOException(where + "sha256 is not 64 hex digits: " + sha);
        if (prefix != null && !HASH_PREFIX.matcher(prefix).matches()) {
            throw new IOException(where + "sha256_prefix is not 8 to 63 hex digits: " + prefix);
        }
        if (sha != null && prefix != null && !sha.startsWith(prefix)) throw new IOException(where + "sha256 and sha256_prefix disagree");
        int classes = e.path("num_classes").asInt(-1);
        if (classes < 0) throw new IOException(where + "num_classes missing");
        return new ModelEntry(name, family, source, required(e, "preset", origin), url, sha, sha == null ? prefix : null,
                file, classes, cited);
    }

    private static boolean isLoopback(String host) {
        return "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host) || "::1".equals(host);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static String required(JsonNode n, String field, String origin) throws IOException {
        String v = n.path(field).asText("");
        if (v.isBlank()) throw new IOException(origin + ": missing '" + field + "' in " + n);
        return v;
    }

    /** Every entry, in file order. */
    public List<ModelEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** Where the entries were read from. */
    public String origin() {
        return origin;
    }

    /**
     * The entry of a name: the full name, or the name without its {@code source/} prefix where only one entry has
     * that short name.
     */
    public Optional<ModelEntry> find(String name) {
        ModelEntry e = entries.get(name);
        if (e != null) return Optional.of(e);
        List<ModelEntry> bare = entries.values().stream().filter(x -> x.shortName().equals(name)).toList();
        return bare.size() == 1 ? Optional.of(bare.get(0)) : Optional.empty();
    }

    /** The entry of a name, or an {@link IllegalArgumentException} listing near matches. */
    public ModelEntry get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(unknown(name)));
    }

    String unknown(String name) {
        List<String> near = nearMatches(name, 5);
        return "unknown model '" + name + "' (registry: " + origin + ")"
                + (near.isEmpty() ? "; `swin models` lists them" : "; did you mean: " + String.join(", ", near));
    }

    /** Up to {@code limit} names close to {@code name}: those containing it, then by edit distance. */
    public List<String> nearMatches(String name, int limit) {
        String q = name.toLowerCase(Locale.ROOT);
        record Scored(String name, int score) {}
        List<Scored> scored = new ArrayList<>();
        for (ModelEntry e : entries.values()) {
            String n = e.name().toLowerCase(Locale.ROOT);
            int d = n.contains(q) ? 0 : Math.min(distance(q, n), distance(q, e.shortName().toLowerCase(Locale.ROOT)));
            if (d <= Math.max(3, q.length() / 3)) scored.add(new Scored(e.name(), d));
        }
        scored.sort(Comparator.comparingInt(Scored::score).thenComparing(Scored::name));
        return scored.stream().limit(limit).map(Scored::name).toList();
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
