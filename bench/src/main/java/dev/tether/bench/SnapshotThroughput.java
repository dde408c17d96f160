package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * B14's throughput row: a function whose hot line runs about ten thousand times a second, served
 * in alternating windows without a point and with a fresh point on that line, through a relay
 * that keeps the production per-instance budget (unlike the bench relay, which lifts it): the
 * budget must disable the point so soon that the function keeps ≥ 0.9× its throughput (the
 * ratio of the two sides' medians).
 */
final class SnapshotThroughput {
  /** Calls of the hot line per request: the bench machine's few hundred requests a second make
   * about 10,000 hits a second. */
  static final int CALLS = 30;
  private static final int HOT_LINE = 5;

  private SnapshotThroughput() {}

  static void run(Bench bench, Path apps) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Duration window = Duration.ofMillis(bench.size(2_000, 1_000));
    try (RelayProcess relay = RelayProcess.startWithDefaultSnapshots(bench.home, bench.work, bench.http);
        NodeApp app = NodeApp.start("hot", writeApp(apps), "hot.js",
            Map.of("PORT", String.valueOf(port)), bench.work);
        ShimProcess shim = ShimProcess.start(bench.home, relay, "bench-hot", "bench-hot-1",
            app.inspectorAddress(), bench.work)) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
          .timeout(Duration.ofSeconds(10)).build();
      served(bench, request, Duration.ofMillis(bench.size(2_000, 1_000))); // warm-up
      // Alternating windows, A B A B …: a drift of the shared machine's load hits both sides
      // alike. Each B window sets a fresh point (the budget disables it within the window, as in
      // production) and deletes it after; the ratio is of the two medians.
      int pairs = bench.size(6, 3);
      Samples without = new Samples();
      Samples with = new Samples();
      List<Long> order = new ArrayList<>(); // as measured: without, with, without, …
      int hits = 0;
      int disabledCount = 0;
      String reason = "NOT disabled";
      for (int i = 0; i < pairs; i++) {
        long a = Math.round(served(bench, request, window));
        without.add(a);
        order.add(a);
        HttpResponse<String> created = relay.api("POST", "/api/functions/bench-hot/snapshots",
            "{\"url\":\"hot.js\",\"line\":" + HOT_LINE + ",\"maxHits\":1000,\"expiresIn\":\"30m\"}");
        if (created.statusCode() != 201) {
          throw new IllegalStateException("POST snapshots: " + created.statusCode() + " " + created.body());
        }
        String pointPath = "/api/functions/bench-hot/snapshots/"
            + RelayProcess.JSON.readTree(created.body()).path("id").asText();
        long b = Math.round(served(bench, request, window));
        with.add(b);
        order.add(b);
        JsonNode point = RelayProcess.JSON.readTree(relay.api("GET", pointPath, null).body());
        hits += point.path("hitCount").asInt();
        if (point.path("disabled").size() > 0) {
          disabledCount++;
          reason = point.path("disabled").get(0).path("reason").asText();
        }
        relay.api("DELETE", pointPath, null);
      }
      double withoutMedian = without.p50();
      double withMedian = with.p50();
      double ratio = withMedian / withoutMedian;
      bench.add(new Result("B14", "throughput, hot line ~" + Math.round(withoutMedian * CALLS)
          + "/s: without | with a point (production budget)", "req/s", withoutMedian, null,
          withMedian, null, "with ≥ 0.9× without", ratio >= 0.9, String.format("ratio %.3f of the"
              + " medians of %d alternating %d ms windows each (req/s in order, without first: %s); the"
              + " points hit %d times in all, disabled in %d of %d windows (%s)", ratio, pairs,
              window.toMillis(), order, hits, disabledCount, pairs,
              reason)));
    }
  }

  /** Sequential requests for {@code window}; requests per second. */
  private static double served(Bench bench, HttpRequest request, Duration window) throws Exception {
    long start = System.nanoTime();
    long end = start + window.toNanos();
    int served = 0;
    long now = start;
    while (now < end) {
      bench.http.send(request, HttpResponse.BodyHandlers.discarding());
      served++;
      now = System.nanoTime();
    }
    return served / ((now - start) / 1e9);
  }

  static Path writeApp(Path apps) throws Exception {
    Path dir = Files.createDirectories(apps.resolve("hot"));
    String source = """
        'use strict';
        const http = require('node:http');
        let sum = 0;
        function hot(i) {
          sum = (sum + i) & 0xffff;
          return sum;
        }
        http.createServer((req, res) => {
          for (let i = 0; i < %d; i++) {
            hot(i);
          }
          res.end(String(sum));
        }).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
        """.formatted(CALLS);
    if (!source.split("\n")[HOT_LINE - 1].trim().startsWith("sum = (sum + i)")) {
      throw new IllegalStateException("B14's hot line moved");
    }
    Files.writeString(dir.resolve("hot.js"), source);
    return dir;
  }
}
