package dev.tether.shim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.protocol.SnapshotPoint;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.tunnel.Backoff;
import dev.tether.testkit.Poll;
import dev.tether.testkit.tunnel.FakeRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot points in a real {@code node} under a real shim, driven by a {@link FakeRelay}: the
 * capture, the masks, the budget, and a developer's own pause left alone.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SnapshotPointsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WORK = """
      let count = 0;
      function work(n) {
        const password = 'hunter2';
        const order = { id: n, customer: 'ada', token: 'tok-1' };
        const wide = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8 };
        const total = n * 2;
        count += total;
        return total;
      }
      function hot(n) {
        return n + 1;
      }
      setInterval(() => work(++count), 100);
      let spins = 0;
      setInterval(() => { for (let i = 0; i < 100; i++) { spins = hot(spins); } }, 10);
      """;
  private static final int WORK_LINE = 7;
  private static final int HOT_LINE = 11;

  @TempDir
  Path dir;
  private FakeRelay relay;
  private Shim shim;
  private TunnelMessage.Hello hello;

  @BeforeEach
  void start() throws Exception {
    relay = FakeRelay.start();
    Path script = dir.resolve("work.js");
    Files.writeString(script, WORK);
    shim = Shim.start(ShimConfig.wrap(relay.url(), "agent-token-1", "orders",
            List.of("node", script.toString()))
        .withBackoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200))));
    hello = relay.takeHello(WAIT);
    assertThat(shim.awaitRegistered(WAIT)).isTrue();
  }

  @AfterEach
  void stop() {
    shim.close();
    relay.close();
  }

  private static TunnelMessage.SnapshotPoints points(SnapshotPoint... points) {
    return new TunnelMessage.SnapshotPoints(List.of(points), SnapshotRedaction.DEFAULT_WORDS, 25,
        // generous: this machine's load must not disable a point a test reads hits of
        1000);
  }

  private <T extends TunnelMessage> T next(Class<T> type) throws InterruptedException {
    return relay.takeControl(type, WAIT);
  }

  private static JsonNode variable(JsonNode scopes, String name) {
    for (JsonNode scope : scopes) {
      for (JsonNode variable : scope.path("variables")) {
        if (variable.path("name").asText().equals(name)) {
          return variable;
        }
      }
    }
    throw new AssertionError("no variable " + name + " in " + scopes);
  }

  @Test
  void aHitCarriesTheStackAndLocalsWithDeniedNamesMaskedAndTheFunctionRunsOn() throws Exception {
    relay.send(points(new SnapshotPoint("p-1", "work.js", WORK_LINE, null, null, 3)));

    TunnelMessage.SnapshotHit hit = next(TunnelMessage.SnapshotHit.class);

    assertThat(hit.point()).isEqualTo("p-1");
    assertThat(hit.stack().get(0).function()).isEqualTo("work");
    assertThat(hit.stack().get(0).line()).isEqualTo(WORK_LINE);
    assertThat(hit.stack().get(0).url()).endsWith("/work.js");
    assertThat(variable(hit.scopes(), "total").path("type").asText()).isEqualTo("number");
    assertThat(variable(hit.scopes(), "password").path("value").asText())
        .isEqualTo(SnapshotRedaction.MASK);
    JsonNode order = variable(hit.scopes(), "order");
    assertThat(order.toString()).contains("ada").doesNotContain("tok-1");
    assertThat(hit.scopes().toString()).doesNotContain("hunter2");
    assertThat(order.path("children").findValuesAsText("name"))
        .containsExactly("id", "customer", "token");
    assertThat(order.path("children").get(2).path("redacted").asBoolean()).isTrue();
    assertThat(order.path("cut").asBoolean()).isFalse();
    JsonNode wide = variable(hit.scopes(), "wide");
    assertThat(wide.path("children").get(0).path("value").asText()).isEqualTo("1");
    assertThat(wide.path("cut").asBoolean()).as("more properties than the capture read").isTrue();
    assertThat(hit.cut()).isTrue();
    assertThat(hit.pauseMs()).isPositive();
    TunnelMessage.SnapshotHit second = next(TunnelMessage.SnapshotHit.class);
    assertThat(second.at()).isGreaterThanOrEqualTo(hit.at());
  }

  /** The next hits, failing on any point disabled meanwhile (a collision in V8 disables one). */
  private List<TunnelMessage.SnapshotHit> hitsUntil(
      Predicate<List<TunnelMessage.SnapshotHit>> enough)
      throws InterruptedException {
    List<TunnelMessage.SnapshotHit> hits = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!enough.test(hits)) {
      TunnelMessage message =
          relay.takeControl(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (message instanceof TunnelMessage.SnapshotDisabled off) {
        throw new AssertionError("point " + off.point() + " was disabled: " + off.reason());
      }
      if (message instanceof TunnelMessage.SnapshotHit hit) {
        hits.add(hit);
      }
    }
    return hits;
  }

  private static long count(List<TunnelMessage.SnapshotHit> hits, String point) {
    return hits.stream().filter(h -> h.point().equals(point)).count();
  }

  @Test
  void aLogpointAndACapturePointOnOneLineAreBothServedByTheSamePause() throws Exception {
    relay.send(points(new SnapshotPoint("p-cap", "work.js", WORK_LINE, null, null, 1000),
        new SnapshotPoint("p-log", "work.js", WORK_LINE, null, "total={total}", 1000)));

    var hits = hitsUntil(h -> count(h, "p-cap") >= 2 && count(h, "p-log") >= 2);

    var captured = hits.stream().filter(h -> h.point().equals("p-cap"))
        .map(h -> "total=" + variable(h.scopes(), "total").path("value").asText()).toList();
    var logged = hits.stream().filter(h -> h.point().equals("p-log")).map(TunnelMessage.SnapshotHit::log)
        .toList();
    assertThat(logged).as("one pause, both points: the same values").containsAnyElementsOf(captured);
  }

  @Test
  void eachPointOnASharedLineKeepsItsOwnCondition() throws Exception {
    relay.send(points(new SnapshotPoint("p-even", "work.js", WORK_LINE, "n % 2 === 0", null, 1000),
        new SnapshotPoint("p-odd", "work.js", WORK_LINE, "n % 2 === 1", null, 1000)));

    var hits = hitsUntil(h -> count(h, "p-even") >= 2 && count(h, "p-odd") >= 2);

    for (TunnelMessage.SnapshotHit hit : hits) {
      int n = variable(hit.scopes(), "n").path("value").asInt();
      assertThat(hit.point()).isEqualTo(n % 2 == 0 ? "p-even" : "p-odd");
    }
  }

  @Test
  void removingOnePointOfASharedLineKeepsTheBreakpointForTheOther() throws Exception {
    relay.send(points(new SnapshotPoint("p-cap", "work.js", WORK_LINE, null, null, 1000),
        new SnapshotPoint("p-log", "work.js", WORK_LINE, null, "total={total}", 1000)));
    hitsUntil(h -> count(h, "p-cap") >= 1 && count(h, "p-log") >= 1);

    relay.send(points(new SnapshotPoint("p-log", "work.js", WORK_LINE, null, "total={total}", 1000)));
    long removed = System.currentTimeMillis();

    var after = hitsUntil(h -> h.stream().filter(x -> x.at() > removed + 300).count() >= 3);
    assertThat(after.stream().filter(x -> x.at() > removed + 300))
        .allMatch(h -> h.point().equals("p-log"));
  }

  @Test
  void aPointThatReachedItsMaxHitsLeavesTheSharedBreakpointToTheOther() throws Exception {
    relay.send(points(new SnapshotPoint("p-once", "work.js", WORK_LINE, null, null, 1),
        new SnapshotPoint("p-log", "work.js", WORK_LINE, null, "total={total}", 1000)));

    var hits = hitsUntil(h -> count(h, "p-log") >= 4);

    assertThat(count(hits, "p-once")).isEqualTo(1);
  }

  @Test
  void aLogpointSendsItsLineWithADeniedNameMasked() throws Exception {
    relay.send(points(new SnapshotPoint("p-log", "work.js", WORK_LINE, null,
        "total={total} customer={order.customer} pw={password}", 2)));

    TunnelMessage.SnapshotHit hit = next(TunnelMessage.SnapshotHit.class);

    assertThat(hit.log()).matches("total=\\d+ customer=ada pw=\\[redacted]");
    assertThat(hit.scopes()).isNull();
  }

  @Test
  void aConditionWithASideEffectIsRefusedByV8AndThePointIsDisabled() throws Exception {
    relay.send(points(new SnapshotPoint("p-side", "work.js", WORK_LINE, "(count = 0) === 0", null, 5)));

    TunnelMessage.SnapshotDisabled disabled = next(TunnelMessage.SnapshotDisabled.class);

    assertThat(disabled.point()).isEqualTo("p-side");
    assertThat(disabled.reason()).contains("side-effect");
  }

  @Test
  void aFalseConditionCapturesNothingAndATrueOneCaptures() throws Exception {
    relay.send(points(new SnapshotPoint("p-cond", "work.js", WORK_LINE, "n % 2 === 0", null, 2)));

    TunnelMessage.SnapshotHit hit = next(TunnelMessage.SnapshotHit.class);

    assertThat(variable(hit.scopes(), "n").path("value").asInt() % 2).isZero();
  }

  @Test
  void aPointHitThousandsOfTimesASecondIsDisabledOnTheInstanceWithTheReason() throws Exception {
    relay.send(points(new SnapshotPoint("p-hot", "work.js", HOT_LINE, null, null, 1000)));

    TunnelMessage.SnapshotDisabled disabled = next(TunnelMessage.SnapshotDisabled.class);

    assertThat(disabled.point()).isEqualTo("p-hot");
    assertThat(disabled.reason()).containsAnyOf("more than 25 times", "budget");
    // and the function still runs: its other point keeps reporting
    relay.send(points(new SnapshotPoint("p-hot", "work.js", HOT_LINE, null, null, 1000),
        new SnapshotPoint("p-work", "work.js", WORK_LINE, null, null, 1)));
    assertThat(next(TunnelMessage.SnapshotHit.class).point()).isEqualTo("p-work");
  }

  @Test
  void theSessionOpensForPointsAndClosesWhenNoneIsLeft() throws Exception {
    assertThat(shim.snapshotPoints().sessionOpen()).isFalse();
    relay.send(points(new SnapshotPoint("p-1", "work.js", WORK_LINE, null, null, 1000)));
    next(TunnelMessage.SnapshotHit.class);
    assertThat(shim.snapshotPoints().sessionOpen()).isTrue();

    relay.send(points());

    Poll.until(WAIT, "the shim to close its snapshot session",
        () -> !shim.snapshotPoints().sessionOpen());
  }

  @Test
  void theScriptListNamesTheFunctionsFileWithoutAnyPoint() throws Exception {
    relay.send(new TunnelMessage.ScriptsRequest(1));

    TunnelMessage.Scripts scripts = next(TunnelMessage.Scripts.class);

    assertThat(scripts.request()).isEqualTo(1);
    assertThat(scripts.error()).isNull();
    assertThat(scripts.urls()).anyMatch(url -> url.endsWith("/work.js"));
    assertThat(scripts.urls()).noneMatch(url -> url.startsWith("node:"));
  }

  @Test
  void aDeveloperPausedOnPurposeStaysPausedAndPointsComeBackWhenTheyLeave() throws Exception {
    relay.send(points(new SnapshotPoint("p-1", "work.js", WORK_LINE, null, null, 1000)));
    next(TunnelMessage.SnapshotHit.class);

    relay.open(1, hello.targets().get(0).id(), WAIT);
    relay.sendCdp(1, "{\"id\":1,\"method\":\"Debugger.enable\"}", WAIT);
    relay.takeReply(1, 1, WAIT);
    relay.sendCdp(1, "{\"id\":2,\"method\":\"Debugger.setBreakpointByUrl\",\"params\":"
        + "{\"urlRegex\":\"work\\\\.js$\",\"lineNumber\":" + (WORK_LINE - 1) + "}}", WAIT);
    String breakpoint =
        JSON.readTree(relay.takeReply(1, 2, WAIT)).at("/result/breakpointId").asText();
    JsonNode paused;
    do {
      paused = JSON.readTree(relay.takeCdp(1, WAIT));
    } while (!paused.path("method").asText().equals("Debugger.paused")
        || !paused.at("/params/hitBreakpoints").toString().contains(JSON.writeValueAsString(breakpoint)));
    String frame = paused.at("/params/callFrames/0/callFrameId").asText();

    // A second on, the function is still where the developer stopped it: evaluating on the
    // paused frame only works while it is paused, so this fails if anything resumed it.
    Thread.sleep(1000);
    relay.sendCdp(1, "{\"id\":3,\"method\":\"Debugger.evaluateOnCallFrame\",\"params\":"
        + "{\"callFrameId\":\"" + frame + "\",\"expression\":\"total\"}}", WAIT);
    JsonNode evaluated = JSON.readTree(relay.takeReply(1, 3, WAIT));
    assertThat(evaluated.has("error")).as(evaluated.toString()).isFalse();
    assertThat(evaluated.at("/result/result/type").asText()).isEqualTo("number");

    relay.sendCdp(1, "{\"id\":4,\"method\":\"Debugger.resume\"}", WAIT);
    relay.takeReply(1, 4, WAIT);
    relay.send(new TunnelMessage.Close(1, 1000, "the developer is done"));
    long left = System.currentTimeMillis();
    TunnelMessage.SnapshotHit after;
    do {
      after = next(TunnelMessage.SnapshotHit.class);
    } while (after.at() <= left);
    assertThat(after.point()).isEqualTo("p-1");
  }
}
