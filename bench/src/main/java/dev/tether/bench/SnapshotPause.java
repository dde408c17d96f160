package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * B14: what a snapshot point costs the function. A handler with 20 locals answers HTTP requests;
 * first without a point, then with a point on the line after the locals: the pause per hit as the
 * shim measured it (capture and resume), and the request latency the client sees, both ways.
 */
final class SnapshotPause {
  private static final int POINT_LINE = 24;

  private SnapshotPause() {}

  static void run(Bench bench, Path apps) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    NodeApp app = NodeApp.start("snap", writeApp(apps), "snap.js", Map.of("PORT", String.valueOf(port)),
        bench.work);
    Bench.Target target = bench.tether("bench-snap", app);
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/7"))
          .timeout(Duration.ofSeconds(10)).build();
      int warmup = bench.size(300, 100);
      int rounds = bench.size(900, 200);
      Samples without = requests(bench, request, warmup, rounds);

      HttpResponse<String> created = bench.relay.api("POST", "/api/functions/bench-snap/snapshots",
          "{\"url\":\"snap.js\",\"line\":" + POINT_LINE + ",\"maxHits\":1000,\"expiresIn\":\"30m\"}");
      if (created.statusCode() != 201) {
        throw new IllegalStateException("POST snapshots: " + created.statusCode() + " " + created.body());
      }
      String id = RelayProcess.JSON.readTree(created.body()).path("id").asText();
      String pointPath = "/api/functions/bench-snap/snapshots/" + id;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (hits(bench, pointPath).size() == 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the point did not hit within 30 s");
        }
        bench.http.send(request, HttpResponse.BodyHandlers.discarding());
      }
      Samples with = requests(bench, request, warmup / 3, rounds);
      Samples pauses = new Samples();
      JsonNode point = RelayProcess.JSON.readTree(bench.relay.api("GET", pointPath, null).body());
      for (JsonNode hit : point.path("hits")) {
        pauses.add(Math.round(hit.path("pauseMs").asDouble() * 1e6));
      }
      // A loaded machine can push even the bench's lifted budget over: then fewer requests hit
      // and the latency comparison says less; the note tells.
      String disabled = point.path("disabled").size() == 0 ? ""
          : "; DISABLED after " + point.path("hitCount").asInt() + " hits: "
              + point.path("disabled").get(0).path("reason").asText();
      bench.relay.api("DELETE", pointPath, null);

      double p50 = Result.ms(pauses.p50());
      double p99 = Result.ms(pauses.p99());
      bench.add(new Result("B14", "snapshot pause per hit, frame with 20 locals", "ms", null, null,
          p50, p99, "p50 ≤ 2 ms, p99 ≤ 5 ms", p50 <= 2 && p99 <= 5,
          String.format("%d hits, as the shim measured them (paused event to resume reply)%s",
              pauses.size(), disabled)));
      double added = Result.ms(with.p50() - without.p50());
      bench.add(Result.latency("B14", "request latency without | with an active point", without,
          with, "report only", null, String.format("added p50 %+.3f ms; %d of %d requests hit the"
              + " point (the bench relay lifts the per-instance budget)%s", added,
              point.path("hitCount").asInt(), rounds, disabled)));
    } finally {
      target.shim().close();
      app.close();
    }
  }

  private static Samples requests(Bench bench, HttpRequest request, int warmup, int rounds)
      throws Exception {
    for (int i = 0; i < warmup; i++) {
      bench.http.send(request, HttpResponse.BodyHandlers.discarding());
    }
    Samples samples = new Samples();
    for (int i = 0; i < rounds; i++) {
      long start = System.nanoTime();
      bench.http.send(request, HttpResponse.BodyHandlers.discarding());
      samples.add(System.nanoTime() - start);
    }
    return samples;
  }

  private static JsonNode hits(Bench bench, String path) throws Exception {
    return RelayProcess.JSON.readTree(bench.relay.api("GET", path, null).body()).path("hits");
  }

  /** A handler with 20 locals of mixed kinds; the point goes on the line that sums them. */
  static Path writeApp(Path apps) throws Exception {
    Path dir = Files.createDirectories(apps.resolve("snap"));
    StringBuilder js = new StringBuilder("""
        'use strict';
        const http = require('node:http');
        function handle(n) {
        """);
    for (int i = 1; i <= 20; i++) {
      js.append(switch (i % 4) {
        case 0 -> "  const v" + i + " = { id: n + " + i + ", name: 'item-" + i + "', tags: ['a', 'b'] };\n";
        case 1 -> "  const v" + i + " = n * " + i + ";\n";
        case 2 -> "  const v" + i + " = 'text-' + n + '-" + i + "';\n";
        default -> "  const v" + i + " = [n, " + i + ", n + " + i + "];\n";
      });
    }
    js.append("""
          return [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19, v20].length;
        }
        http.createServer((req, res) => res.end(String(handle(Number(req.url.slice(1)) || 1))))
          .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
        setInterval(() => {}, 1 << 30);
        """);
    String source = js.toString();
    String[] lines = source.split("\n");
    if (!lines[POINT_LINE - 1].trim().startsWith("return [v1")) {
      throw new IllegalStateException("B14's point line moved: line " + POINT_LINE + " is "
          + lines[POINT_LINE - 1]);
    }
    Files.writeString(dir.resolve("snap.js"), source);
    return dir;
  }
}
