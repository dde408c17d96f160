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
 * B14: what a snapshot point costs the function. A handler with 20 locals and its twin (the same
 * code under another name) answer HTTP requests; a point goes on the handler's line after the
 * locals, never on the twin's. Once the point has hit and the shim warmed up, requests alternate
 * between the twin (without a hit) and the handler (a hit each): the pause per hit as the shim
 * measured it and as the function itself saw it (its clock read before and after the line), and
 * the request latency the client sees, both ways, from the same warm-up and the same moments.
 */
final class SnapshotPause {
  private static final int POINT_LINE = 26;
  /** Hits the relay keeps of one point: the measured ones and those before them must fit. */
  private static final int MAX_HITS = 1000;

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
      HttpRequest pointed = get(port, "/a/7");
      HttpRequest twin = get(port, "/b/7");
      int warmup = bench.size(300, 100);
      int rounds = bench.size(800, 200);
      for (int i = 0; i < warmup; i++) {
        send(bench, i % 2 == 0 ? pointed : twin);
      }

      HttpResponse<String> created = bench.relay.api("POST", "/api/functions/bench-snap/snapshots",
          "{\"url\":\"snap.js\",\"line\":" + POINT_LINE + ",\"maxHits\":" + MAX_HITS
              + ",\"expiresIn\":\"30m\"}");
      if (created.statusCode() != 201) {
        throw new IllegalStateException("POST snapshots: " + created.statusCode() + " " + created.body());
      }
      String id = RelayProcess.JSON.readTree(created.body()).path("id").asText();
      String pointPath = "/api/functions/bench-snap/snapshots/" + id;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (point(bench, pointPath).path("hitCount").asInt() == 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the point did not hit within 30 s");
        }
        send(bench, pointed);
      }
      // The first hits are cold (V8 prepares the function, the shim's capture code is not yet
      // compiled): warm up on them, and leave them out of the figures.
      for (int i = 0; i < bench.size(50, 20); i++) {
        send(bench, pointed);
      }
      int before = point(bench, pointPath).path("hitCount").asInt();
      if (before + rounds > MAX_HITS) {
        throw new IllegalStateException(before + " hits before the measured requests leave no"
            + " room for " + rounds + " more under maxHits " + MAX_HITS);
      }
      functionPauses(bench, port); // forgets the warm-up's

      Samples without = new Samples();
      Samples with = new Samples();
      for (int i = 0; i < rounds; i++) {
        boolean pointFirst = i % 2 == 0; // neither side always follows the other
        (pointFirst ? with : without).add(send(bench, pointFirst ? pointed : twin));
        (pointFirst ? without : with).add(send(bench, pointFirst ? twin : pointed));
      }

      JsonNode point = point(bench, pointPath);
      int measuredHits = point.path("hitCount").asInt() - before;
      JsonNode hits = point.path("hits"); // newest first: the measured ones lead
      Samples pauses = new Samples();
      StringBuilder dump = new StringBuilder("# at pauseMs (shim), the measured hits only, newest first\n");
      for (int i = 0; i < Math.min(measuredHits, hits.size()); i++) {
        JsonNode hit = hits.get(i);
        pauses.add(Math.round(hit.path("pauseMs").asDouble() * 1e6));
        dump.append(hit.path("at").asText()).append(' ').append(hit.path("pauseMs").asText()).append('\n');
      }
      Files.writeString(bench.work.resolve("b14-pauses.txt"), dump);
      JsonNode seen = functionPauses(bench, port);
      Samples stopped = samples(seen.path("a"));
      Samples unstopped = samples(seen.path("b"));
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
          String.format("%d hits after %d warm-up hits, as the shim measured them (paused event to"
              + " resume reply)%s", pauses.size(), before, disabled)));
      bench.add(Result.latency("B14", "the line's time as the function saw it, twin | with a hit",
          unstopped, stopped, "report only", null, String.format("the handler's clock before and"
              + " after the point's line; %d and %d samples", unstopped.size(), stopped.size())));
      double added = Result.ms(with.p50() - without.p50());
      bench.add(Result.latency("B14", "request latency, twin | with a hit", without,
          with, "report only", null, String.format("added p50 %+.3f ms; %d of %d requests to the"
              + " handler hit the point, interleaved with %d to its twin (the bench relay lifts the"
              + " per-instance budget)%s", added, measuredHits, rounds, rounds, disabled)));
    } finally {
      target.shim().close();
      app.close();
    }
  }

  private static HttpRequest get(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build();
  }

  /** One request; its latency in nanoseconds. */
  private static long send(Bench bench, HttpRequest request) throws Exception {
    long start = System.nanoTime();
    bench.http.send(request, HttpResponse.BodyHandlers.discarding());
    return System.nanoTime() - start;
  }

  private static JsonNode point(Bench bench, String path) throws Exception {
    return RelayProcess.JSON.readTree(bench.relay.api("GET", path, null).body());
  }

  /** What the handlers measured since the last call, in nanoseconds: {@code {"a":[…],"b":[…]}}. */
  private static JsonNode functionPauses(Bench bench, int port) throws Exception {
    return RelayProcess.JSON.readTree(bench.http.send(get(port, "/pauses"),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  private static Samples samples(JsonNode nanos) {
    Samples samples = new Samples();
    nanos.forEach(n -> samples.add(n.asLong()));
    return samples;
  }

  /**
   * A handler with 20 locals of mixed kinds and its twin; the point goes on the handler's line
   * that sums them. Each reads the clock on the line before (a module variable, so the frame keeps
   * its 20 locals) and after: with a hit, the difference is the pause the function saw.
   */
  static Path writeApp(Path apps) throws Exception {
    Path dir = Files.createDirectories(apps.resolve("snap"));
    StringBuilder js = new StringBuilder("""
        'use strict';
        const http = require('node:http');
        const seen = { a: [], b: [] };
        let mark = 0n;
        """);
    for (String name : new String[] {"handle", "twin"}) {
      js.append("function ").append(name).append("(n) {\n");
      for (int i = 1; i <= 20; i++) {
        js.append(switch (i % 4) {
          case 0 -> "  const v" + i + " = { id: n + " + i + ", name: 'item-" + i + "', tags: ['a', 'b'] };";
          case 1 -> "  const v" + i + " = n * " + i + ";";
          case 2 -> "  const v" + i + " = 'text-' + n + '-" + i + "';";
          default -> "  const v" + i + " = [n, " + i + ", n + " + i + "];";
        });
        js.append(i == 20 ? " mark = process.hrtime.bigint();\n" : "\n");
      }
      js.append("  return took(seen.").append(name.equals("handle") ? "a" : "b").append(
          ", [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19, v20].length);\n}\n");
    }
    js.append("""
        function took(into, value) {
          if (into.length < 100000) {
            into.push(Number(process.hrtime.bigint() - mark));
          }
          return value;
        }
        http.createServer((req, res) => {
          const [, which, n] = req.url.split('/');
          if (which === 'pauses') {
            res.end(JSON.stringify(seen));
            seen.a = [];
            seen.b = [];
            return;
          }
          res.end(String((which === 'a' ? handle : twin)(Number(n) || 1)));
        }).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
        setInterval(() => {}, 1 << 30);
        """);
    String source = js.toString();
    String[] lines = source.split("\n");
    if (!lines[POINT_LINE - 1].trim().startsWith("return took(seen.a, [v1")) {
      throw new IllegalStateException("B14's point line moved: line " + POINT_LINE + " is "
          + lines[POINT_LINE - 1]);
    }
    Files.writeString(dir.resolve("snap.js"), source);
    return dir;
  }
}
