package dev.tether.shim.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.SnapshotPoint;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.protocol.TunnelMessage;
import dev.tether.shim.stream.Streams;
import dev.tether.shim.transport.Transport;
import dev.tether.shim.tunnel.TunnelClient;
import io.netty.channel.EventLoop;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot points on this instance: holds the shim's own inspector session while the relay has
 * points for the function (and none otherwise, so an idle function pays nothing), sets a
 * breakpoint per line (shared by every point there, {@link Location}), and on each hit serves all
 * of that line's points in one pause ({@link Pause}), resumes, and only then queues the captures for
 * the relay ({@link Outbox}: bounded, never waits on the network). Event loop only.
 *
 * <p>Developers come first. V8 pauses every session on any breakpoint, and a resume from any
 * session resumes them all; so while a developer's DevTools session is open on the instance, the
 * points step aside: their breakpoints are removed and this session resumes nothing, so a
 * developer paused on purpose stays paused and never stops on a snapshot line. When the last
 * developer session closes, a pause it left behind is resumed (as Node does when the last
 * debugger goes) and the points are set again. With no developer attached, every pause this
 * session sees is resumed at once: a {@code debugger;} statement must not stop the function just
 * because a snapshot session has the debugger on.
 */
public final class SnapshotAgent implements TunnelClient.ControlListener, Streams.SessionListener {
  private static final Logger log = LoggerFactory.getLogger(SnapshotAgent.class);
  private static final long REOPEN_DELAY_MS = 1_000;
  private static final int MAX_SCRIPTS = 10_000;

  /** Opens the shim's own inspector session, with this agent listening to it. */
  interface Inspector {
    CompletableFuture<CdpSession> open(CdpSession.Listener listener);
  }

  private final EventLoop loop;
  private final Inspector inspector;
  private final Outbox outbox;
  private final Map<String, Point> points = new LinkedHashMap<>();
  /** Points by where V8 stops: one breakpoint per location, whatever number of points. */
  private final Map<String, Location> locations = new LinkedHashMap<>();
  private final Map<String, Location> byBreakpoint = new HashMap<>();
  /** Breakpoints being removed: V8 may still stop on one until the removal is through. */
  private final Set<String> retiring = new HashSet<>();
  private final Set<String> scripts = new LinkedHashSet<>();
  /** Script URLs by id: a paused frame names its script by id (its own url field is deprecated). */
  private final Map<String, String> scriptUrls = new HashMap<>();
  private final List<Integer> scriptRequests = new ArrayList<>();
  private SnapshotRedaction redaction = new SnapshotRedaction(SnapshotRedaction.DEFAULT_WORDS);
  private int hitsPerSecond = 1;
  private double pauseMsPerSecond = 1;
  private CdpSession session;
  private boolean opening;
  private boolean enabled;
  private boolean paused;
  private int developers;

  /**
   * @param target where the function's inspector target is, opening the inspector first when it
   *     is opened on demand
   */
  public SnapshotAgent(Transport transport, TunnelClient tunnel, Supplier<CompletableFuture<URI>> target) {
    this(tunnel.loop(), tunnel::offer,
        listener -> target.get().thenCompose(url -> CdpSession.open(transport, url, listener)));
  }

  /** @param relay the tunnel's {@code offer} */
  SnapshotAgent(EventLoop loop, Predicate<TunnelMessage> relay, Inspector inspector) {
    this.loop = loop;
    this.inspector = inspector;
    this.outbox = new Outbox(relay);
  }

  @Override
  public void registered() {
    outbox.flush();
  }

  @Override
  public void control(TunnelMessage message) {
    if (message instanceof TunnelMessage.SnapshotPoints set) {
      apply(set);
    } else if (message instanceof TunnelMessage.ScriptsRequest request) {
      scripts(request.request());
    } else {
      log.debug("ignored {} from the relay", message.getClass().getSimpleName());
    }
  }

  @Override
  public void opened() {
    developers++;
    if (developers == 1 && !points.isEmpty()) {
      log.info("a developer attached: snapshot points step aside on this instance");
      locations.values().forEach(this::disarm);
    }
  }

  @Override
  public void closed() {
    developers = Math.max(0, developers - 1);
    if (developers == 0 && session != null && session.isOpen()) {
      if (paused) {
        session.send("Debugger.resume"); // the developer left it paused, as Node would not
      }
      armAll();
    }
  }

  /** How many points this instance runs now (disabled ones included); for tests and logs. */
  public int points() {
    return points.size();
  }

  /** True while the snapshot inspector session is open. */
  public boolean sessionOpen() {
    return session != null && session.isOpen();
  }

  private void apply(TunnelMessage.SnapshotPoints set) {
    redaction = new SnapshotRedaction(set.redact());
    hitsPerSecond = set.hitsPerSecond();
    pauseMsPerSecond = set.pauseMsPerSecond();
    Map<String, SnapshotPoint> wanted = new LinkedHashMap<>();
    set.points().forEach(p -> wanted.put(p.id(), p));
    for (Point point : List.copyOf(points.values())) {
      if (!wanted.containsKey(point.id())) {
        points.remove(point.id());
        point.location.points.remove(point.id());
        release(point.location);
      }
    }
    for (SnapshotPoint spec : wanted.values()) {
      if (!points.containsKey(spec.id())) {
        String regex = urlRegex(spec.url());
        Location location = locations.computeIfAbsent(Location.key(regex, spec.line() - 1),
            key -> new Location(regex, spec.line() - 1));
        Point point = new Point(spec, new HitBudget(hitsPerSecond, pauseMsPerSecond), location);
        points.put(spec.id(), point);
        location.points.put(spec.id(), point);
      }
    }
    log.debug("snapshot points={} locations={}", points.size(), locations.size());
    settle();
  }

  /** Opens or closes the session to match what is wanted, and arms what it can. */
  private void settle() {
    boolean wanted = !scriptRequests.isEmpty();
    for (Point p : points.values()) {
      wanted |= !p.disabled;
    }
    if (!wanted) {
      if (session != null) {
        CdpSession ending = session;
        forgetSession();
        ending.close();
        log.info("no snapshot point left: snapshot session closed");
      }
      return;
    }
    if (session == null) {
      open();
    } else if (enabled) {
      answerScripts();
      armAll();
    }
  }

  private void forgetSession() {
    session = null;
    enabled = false;
    paused = false;
    byBreakpoint.clear();
    retiring.clear();
    scriptUrls.clear();
    scripts.clear();
    locations.values().forEach(l -> {
      l.breakpointId = null;
      l.warm = false;
    });
  }

  private void open() {
    if (opening) {
      return;
    }
    opening = true;
    inspector.open(new Events())
        .whenComplete((opened, error) -> loop.execute(() -> {
          opening = false;
          if (error != null) {
            failed("cannot open the inspector for snapshot points: " + rootMessage(error));
            return;
          }
          session = opened;
          log.info("snapshot session open points={}", points.size());
          opened.send("Debugger.enable").whenComplete((ok, enableError) -> {
            if (enableError != null || opened != session) {
              return;
            }
            enabled = true;
            settle();
          });
        }));
  }

  private void failed(String why) {
    log.warn("{}", why);
    for (Point point : points.values()) {
      if (!point.disabled) {
        disable(point, why);
      }
    }
    scriptRequests.forEach(id -> outbox.send(new TunnelMessage.Scripts(id, List.of(), why)));
    scriptRequests.clear();
  }

  private void armAll() {
    if (developers > 0 || !enabled) {
      return;
    }
    locations.values().forEach(this::arm);
  }

  private void arm(Location location) {
    if (!location.live() || location.breakpointId != null || location.arming || session == null) {
      return;
    }
    location.arming = true;
    CdpSession on = session;
    on.send("Debugger.setBreakpointByUrl", CdpSession.params()
            .put("urlRegex", location.urlRegex)
            .put("lineNumber", location.lineNumber))
        .whenComplete((reply, error) -> {
          location.arming = false;
          if (on != session) {
            return;
          }
          if (error != null) {
            String why = "the inspector refused the breakpoint: " + rootMessage(error);
            location.due().forEach(point -> disable(point, why));
            return;
          }
          String id = reply.path("breakpointId").asText();
          if (locations.get(location.key()) != location || !location.live() || developers > 0) {
            on.send("Debugger.removeBreakpoint", CdpSession.params().put("breakpointId", id));
            return;
          }
          location.breakpointId = id;
          byBreakpoint.put(id, location);
        });
  }

  /** Removes the location's breakpoint, and the location itself once no point is set there. */
  private void release(Location location) {
    if (!location.live()) {
      disarm(location);
    }
    if (location.points.isEmpty()) {
      locations.remove(location.key());
    }
  }

  private void disarm(Location location) {
    String id = location.breakpointId;
    if (id == null) {
      return;
    }
    location.breakpointId = null;
    byBreakpoint.remove(id);
    if (session != null) {
      retiring.add(id);
      session.send("Debugger.removeBreakpoint", CdpSession.params().put("breakpointId", id))
          .whenComplete((ok, error) -> retiring.remove(id));
    }
  }

  private void disable(Point point, String why) {
    if (point.disabled) {
      return;
    }
    point.disabled = true;
    release(point.location);
    log.info("snapshot point disabled point={} reason=\"{}\"", point.id(), why);
    outbox.send(new TunnelMessage.SnapshotDisabled(point.id(), why));
  }

  /** A suffix such as {@code handler.js} or a whole URL, as a JavaScript regex on script URLs. */
  static String urlRegex(String url) {
    String escaped = url.replaceAll("[.*+?^${}()|\\[\\]\\\\/]", "\\\\$0");
    return url.contains("://") ? "^" + escaped + "$" : "(^|[/\\\\])" + escaped + "$";
  }

  private void scripts(int request) {
    if (enabled && session != null) {
      outbox.send(new TunnelMessage.Scripts(request, List.copyOf(scripts), null));
      return;
    }
    scriptRequests.add(request);
    settle();
  }

  private void answerScripts() {
    scriptRequests.forEach(id -> outbox.send(new TunnelMessage.Scripts(id, List.copyOf(scripts), null)));
    boolean answered = !scriptRequests.isEmpty();
    scriptRequests.clear();
    if (answered) {
      settle(); // closes the session again when no point needs it
    }
  }

  private void paused(JsonNode params) {
    long start = System.nanoTime();
    paused = true;
    if (session == null) {
      return;
    }
    JsonNode hitBreakpoints = params.path("hitBreakpoints");
    if (developers > 0) {
      // The developer's pause is the developer's to resume; but a stop on one of this session's
      // breakpoints that was on its way out as they attached is ours, and nobody else would end it.
      boolean ours = hitBreakpoints.size() > 0;
      for (JsonNode id : hitBreakpoints) {
        ours &= byBreakpoint.containsKey(id.asText()) || retiring.contains(id.asText());
      }
      if (ours) {
        session.send("Debugger.resume");
      }
      return;
    }
    List<Point> due = new ArrayList<>();
    boolean cold = false;
    for (JsonNode id : hitBreakpoints) {
      Location location = byBreakpoint.get(id.asText());
      if (location != null) {
        cold |= !location.warm;
        location.warm = true;
        for (Point point : location.due()) {
          if (!due.contains(point)) {
            due.add(point);
          }
        }
      }
    }
    List<Point> over = new ArrayList<>();
    List<String> why = new ArrayList<>();
    for (int i = due.size() - 1; i >= 0; i--) {
      String reason = due.get(i).budget.hit(start);
      if (reason != null) {
        over.add(due.remove(i));
        why.add(reason);
      }
    }
    if (due.isEmpty()) {
      session.send("Debugger.resume");
    } else {
      CdpSession on = session;
      JsonNode callFrames = params.path("callFrames");
      boolean first = cold;
      Pause.serve(on, due, callFrames, redaction, scriptUrls).thenAccept(served -> {
        double pauseMs = (served.resumedAt() - start) / 1e6;
        if (first) {
          log.debug("cold snapshot pause pauseMs={}", pauseMs);
        }
        if (on == session) {
          served.outcomes().forEach(outcome -> served(outcome, callFrames, pauseMs, first));
        }
      });
    }
    for (int i = 0; i < over.size(); i++) {
      disable(over.get(i), why.get(i));
    }
  }

  private void served(Pause.Outcome outcome, JsonNode callFrames, double pauseMs, boolean cold) {
    Point point = outcome.point();
    if (points.get(point.id()) != point || point.disabled) {
      return; // removed or disabled meanwhile
    }
    if (outcome.error() != null) {
      disable(point, "the condition or template failed: " + rootMessage(outcome.error()));
      return;
    }
    Object result = outcome.value();
    if (result != null) {
      point.hits++;
      long at = System.currentTimeMillis();
      if (result instanceof Capture.Result capture) {
        outbox.hit(point.id(), at, pauseMs, capture.stack(), capture.scopes(), null, capture.cut());
      } else {
        outbox.hit(point.id(), at, pauseMs, Capture.stack(callFrames, scriptUrls), null, (String) result, false);
      }
    }
    String over = point.budget.paused(pauseMs, cold);
    if (over != null) {
      disable(point, over);
    } else if (point.hits >= point.spec.maxHits()) {
      point.disabled = true; // the relay removes it too; until then it costs nothing here
      release(point.location);
    }
  }

  private final class Events implements CdpSession.Listener {
    @Override
    public void event(String method, JsonNode params) {
      switch (method) {
        case "Debugger.paused" -> paused(params);
        case "Debugger.resumed" -> paused = false;
        case "Debugger.scriptParsed" -> {
          String url = params.path("url").asText("");
          if (url.isEmpty()) {
            return;
          }
          if (scriptUrls.size() < MAX_SCRIPTS) {
            scriptUrls.put(params.path("scriptId").asText(), url);
          }
          if (!url.startsWith("node:") && scripts.size() < TunnelMessage.Scripts.MAX_URLS) {
            scripts.add(url);
          }
        }
        default -> { }
      }
    }

    @Override
    public void closed(String why) {
      if (session == null) {
        return; // closed on purpose
      }
      forgetSession();
      log.info("snapshot session ended: {}", why);
      loop.schedule(SnapshotAgent.this::settle, REOPEN_DELAY_MS, TimeUnit.MILLISECONDS);
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
