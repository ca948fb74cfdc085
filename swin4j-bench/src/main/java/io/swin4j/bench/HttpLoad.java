package io.swin4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A closed-loop HTTP load generator for {@code swin serve}: N clients, each sending one raw image per request and
 * the next as soon as the answer arrives, for a fixed time, loopback only. Prints requests by status, latency
 * percentiles of the answered requests and images/s; {@code --json} for scripts (bench/serve_load.sh).
 *
 * <pre>java -cp ... io.swin4j.bench.HttpLoad --url http://127.0.0.1:8080/v1/classify --clients 16 --seconds 60 samples/</pre>
 */
public final class HttpLoad {

    /** What one run measured. */
    public record Result(int clients, double seconds, long requests, Map<Integer, Long> statuses, long failed,
                         double imagesPerSecond, double p50Millis, double p95Millis, double p99Millis) {}

    private HttpLoad() {}

    public static Result run(URI url, List<byte[]> images, int clients, double seconds) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        AtomicInteger next = new AtomicInteger();
        List<List<long[]>> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<long[]> samples = new ArrayList<>(); // {status, nanos}
            perClient.add(samples);
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    byte[] body = images.get(Math.floorMod(next.getAndIncrement(), images.size()));
                    HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    long t0 = System.nanoTime();
                    int status;
                    try {
                        status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (java.io.IOException e) {
                        status = -1; // connection failure
                    } catch (InterruptedException e) {
                        return;
                    }
                    samples.add(new long[]{status, System.nanoTime() - t0});
                    if (status == 503) {
                        try {
                            Thread.sleep(50); // a well-behaved client backs off (the service says Retry-After)
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "load-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<Integer, Long> statuses = new TreeMap<>();
        List<Double> okMillis = new ArrayList<>();
        long requests = 0;
        for (List<long[]> samples : perClient) {
            for (long[] s : samples) {
                requests++;
                statuses.merge((int) s[0], 1L, Long::sum);
                if (s[0] == 200) okMillis.add(s[1] / 1e6);
            }
        }
        long failed = statuses.entrySet().stream().filter(e -> e.getKey() != 200 && e.getKey() != 503)
                .mapToLong(Map.Entry::getValue).sum();
        double[] sorted = okMillis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(clients, elapsed, requests, statuses, failed, sorted.length / elapsed,
                pct(sorted, 50), pct(sorted, 95), pct(sorted, 99));
    }

    private static double pct(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : ThroughputStats.percentile(sorted, p);
    }

    public static void main(String[] args) throws Exception {
        URI url = null;
        int clients = 16;
        double seconds = 60;
        boolean json = false;
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = URI.create(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--json" -> json = true;
                default -> inputs.add(Path.of(args[i]));
            }
        }
        if (url == null || inputs.isEmpty() || clients < 1 || seconds <= 0) {
            System.err.println("usage: HttpLoad --url URL [--clients N] [--seconds S] [--json] IMAGE|DIR...");
            System.exit(2);
        }
        List<byte[]> images = new ArrayList<>();
        for (Path p : inputs) {
            try (Stream<Path> files = Files.isDirectory(p) ? Files.list(p).sorted() : Stream.of(p)) {
                for (Path f : (Iterable<Path>) files::iterator) if (Files.isRegularFile(f)) images.add(Files.readAllBytes(f));
            }
        }
        Result r = run(url, images, clients, seconds);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            System.out.printf("%d clients, %.1f s: %d requests %s, %d failed; %.1f img/s; latency p50 %.1f ms, p95 %.1f, p99 %.1f%n",
                    r.clients(), r.seconds(), r.requests(), r.statuses(), r.failed(), r.imagesPerSecond(),
                    r.p50Millis(), r.p95Millis(), r.p99Millis());
        }
        if (r.failed() > 0) System.exit(1);
    }
}
