package dev.tether.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every benchmark shares: the processes under test, the sizes of this run, and results. */
final class Bench {
  /** One function instance: a node app and the shim tethering it. */
  record Target(String function, String instance, NodeApp app, ShimProcess shim) {}

  final Path home;
  final Path work;
  final boolean quick;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final List<Result> results = new ArrayList<>();
  /** Round-trip samples per label, for the chart. */
  final Map<String, Samples[]> distributions = new LinkedHashMap<>();
  RelayProcess relay;

  Bench(Path home, Path work, boolean quick) {
    this.home = home;
    this.work = work;
    this.quick = quick;
  }

  /** {@code full} normally, {@code quick} with --quick. */
  int size(int full, int quickSize) {
    return quick ? quickSize : full;
  }

  /** A client straight to the inspector. */
  Cdp direct(Target target) {
    return Cdp.connect(http, target.app().inspectorUrl());
  }

  /** A client through the relay and the shim, on a new session. */
  Cdp relayed(Target target) throws Exception {
    return relayed(target, false);
  }

  Cdp relayed(Target target, boolean paused) throws Exception {
    RelayProcess.Session session = relay.newSession(target.function(), target.instance());
    return Cdp.connect(http, session.debuggerUrl(), paused);
  }

  Target tether(String function, NodeApp app) throws Exception {
    String instance = function + "-1";
    ShimProcess shim = ShimProcess.start(home, relay, function, instance, app.inspectorAddress(),
        work);
    return new Target(function, instance, app, shim);
  }

  void add(Result result) {
    results.add(result);
    Report.printRow(result);
  }

  static void log(String format, Object... args) {
    System.err.printf("bench: " + format + "%n", args);
  }
}
