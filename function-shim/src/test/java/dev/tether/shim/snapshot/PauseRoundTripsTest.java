package dev.tether.shim.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.SnapshotPoint;
import dev.tether.protocol.SnapshotRedaction;
import dev.tether.protocol.TunnelMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a snapshot pause costs the function, counted rather than timed: against a scripted
 * inspector on an embedded channel, how many round trips to V8 ("waves") the shim makes between
 * {@code Debugger.paused} and writing {@code Debugger.resume}, how many flushes, and that nothing
 * goes to the relay before the resume is written.
 */
class PauseRoundTripsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LOCALS = 20;

  private final List<TunnelMessage> relay = new ArrayList<>();
  private EmbeddedChannel channel;
  private int flushes;
  private SnapshotAgent agent;

  @BeforeEach
  void start() {
    channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(ChannelHandlerContext ctx) {
        flushes++;
        ctx.flush();
      }
    });
    agent = new SnapshotAgent(channel.eventLoop(), relay::add,
        listener -> CompletableFuture.completedFuture(CdpSession.over(channel, listener)));
  }

  @Test
  void aPointWithoutAConditionReadsTwentyLocalsAndResumesInOneWrite() {
    set(new SnapshotPoint("p1", "handler.js", 24, null, null, 10));

    Wave wave = pauseUntilResume(true);

    assertThat(wave.count).as("round trips to V8 before the resume is written").isEqualTo(1);
    assertThat(wave.flushes).as("one flush per round trip").isEqualTo(1);
    assertThat(methods(wave.last)).containsExactly(
        "Runtime.getProperties", "Runtime.getProperties", "Debugger.resume");
    assertThat(wave.relayBeforeResume).as("sent to the relay while the function waits").isEmpty();

    answer(wave.last, true);

    TunnelMessage.SnapshotHit hit = onlyHit();
    assertThat(hit.scopes().get(0).path("variables")).hasSize(LOCALS);
    assertThat(hit.scopes().get(0).path("variables").get(0).path("value").asText())
        .isEqualTo(SnapshotRedaction.MASK);
  }

  @Test
  void aPointWithAConditionEvaluatesItReadsTheFrameAndResumesInOneWrite() {
    set(new SnapshotPoint("p1", "handler.js", 24, "n > 3", null, 10));

    Wave wave = pauseUntilResume(true);

    assertThat(wave.count).as("round trips to V8 before the resume is written").isEqualTo(1);
    assertThat(wave.flushes).as("one flush per round trip").isEqualTo(1);
    assertThat(methods(wave.last)).containsExactly("Debugger.evaluateOnCallFrame",
        "Runtime.getProperties", "Runtime.getProperties", "Debugger.resume");
    assertThat(wave.relayBeforeResume).as("sent to the relay while the function waits").isEmpty();

    answer(wave.last, true);

    assertThat(onlyHit().scopes().get(0).path("variables")).hasSize(LOCALS);
  }

  @Test
  void aFalseConditionDropsTheCaptureItReadAlongAndSendsNoHit() {
    set(new SnapshotPoint("p1", "handler.js", 24, "n > 3", null, 10));

    Wave wave = pauseUntilResume(false);
    answer(wave.last, false);

    assertThat(relay).isEmpty();
  }

  @Test
  void conditionsOfEveryPointAtTheLineGoInTheSameWriteAsTheReadsAndTheResume() {
    set(new SnapshotPoint("p1", "handler.js", 24, "n > 3", null, 10),
        new SnapshotPoint("p2", "handler.js", 24, "n < 3", null, 10),
        new SnapshotPoint("p3", "handler.js", 24, null, "n={n}", 10));

    Wave wave = pauseUntilResume(true);

    assertThat(wave.count).isEqualTo(1);
    assertThat(wave.flushes).isEqualTo(1);
    assertThat(methods(wave.last)).containsExactly("Debugger.evaluateOnCallFrame",
        "Runtime.getProperties", "Runtime.getProperties", "Debugger.evaluateOnCallFrame",
        "Debugger.evaluateOnCallFrame", "Debugger.resume");
    assertThat(methods(wave.last).stream().filter("Runtime.getProperties"::equals))
        .as("one capture shared by the capture points").hasSize(2);
  }

  /** The commands of one round trip and what the shim had done by the last one. */
  private record Wave(int count, int flushes, List<JsonNode> last, List<TunnelMessage> relayBeforeResume) {}

  private void set(SnapshotPoint... points) {
    agent.control(new TunnelMessage.SnapshotPoints(List.of(points),
        SnapshotRedaction.DEFAULT_WORDS, 1000, 1000));
    channel.runPendingTasks();
    JsonNode enable = only(take(), "Debugger.enable");
    reply(enable, JSON.createObjectNode());
    JsonNode breakpoint = only(take(), "Debugger.setBreakpointByUrl");
    reply(breakpoint, JSON.createObjectNode().put("breakpointId", "bp-1"));
    event("Debugger.scriptParsed", JSON.createObjectNode().put("scriptId", "7")
        .put("url", "file:///var/task/handler.js"));
    assertThat(take()).isEmpty();
  }

  /**
   * Pauses on the point's line and answers every round trip until the resume is written;
   * conditions evaluate to {@code truth}.
   */
  private Wave pauseUntilResume(boolean truth) {
    int before = flushes;
    event("Debugger.paused", paused());
    int count = 0;
    while (true) {
      channel.runPendingTasks();
      List<JsonNode> batch = take();
      assertThat(batch).as("the shim waits for nothing it did not ask").isNotEmpty();
      count++;
      if (methods(batch).contains("Debugger.resume")) {
        return new Wave(count, flushes - before, batch, List.copyOf(relay));
      }
      answer(batch, truth);
    }
  }

  /** Answers every command as V8 would, in order; conditions evaluate to {@code truth}. */
  private void answer(List<JsonNode> commands, boolean truth) {
    for (JsonNode command : commands) {
      switch (command.path("method").asText()) {
        case "Runtime.getProperties" -> reply(command, properties(command.at("/params/objectId").asText()));
        case "Debugger.evaluateOnCallFrame" -> reply(command, JSON.createObjectNode()
            .set("result", JSON.createObjectNode().put("type", "boolean").put("value", truth)));
        default -> reply(command, JSON.createObjectNode());
      }
    }
    channel.runPendingTasks();
  }

  private static ObjectNode properties(String objectId) {
    ObjectNode reply = JSON.createObjectNode();
    ArrayNode result = reply.putArray("result");
    int count = "scope-local".equals(objectId) ? LOCALS : 2;
    for (int i = 0; i < count; i++) {
      String name = i == 0 ? "password" : "v" + i;
      result.addObject().put("name", name).set("value",
          JSON.createObjectNode().put("type", "number").put("value", i).put("description", "" + i));
    }
    return reply;
  }

  /** One frame of the handler (local, closure, global scopes) and Node's frame below it. */
  private static ObjectNode paused() {
    ObjectNode params = JSON.createObjectNode().put("reason", "other");
    params.putArray("hitBreakpoints").add("bp-1");
    ArrayNode frames = params.putArray("callFrames");
    ObjectNode top = frames.addObject().put("callFrameId", "cf-0").put("functionName", "handle");
    top.putObject("location").put("scriptId", "7").put("lineNumber", 23).put("columnNumber", 2);
    ArrayNode chain = top.putArray("scopeChain");
    for (String type : List.of("local", "closure", "global")) {
      chain.addObject().put("type", type).putObject("object").put("type", "object")
          .put("objectId", "scope-" + type);
    }
    ObjectNode node = frames.addObject().put("callFrameId", "cf-1").put("functionName", "emit");
    node.putObject("location").put("scriptId", "1").put("lineNumber", 1).put("columnNumber", 1);
    node.putArray("scopeChain").addObject().put("type", "local").putObject("object")
        .put("objectId", "scope-node");
    return params;
  }

  private TunnelMessage.SnapshotHit onlyHit() {
    assertThat(relay).hasSize(1).first().isInstanceOf(TunnelMessage.SnapshotHit.class);
    return (TunnelMessage.SnapshotHit) relay.get(0);
  }

  private List<JsonNode> take() {
    List<JsonNode> commands = new ArrayList<>();
    for (Object written = channel.readOutbound(); written != null; written = channel.readOutbound()) {
      TextWebSocketFrame frame = (TextWebSocketFrame) written;
      try {
        commands.add(JSON.readTree(frame.text()));
      } catch (Exception e) {
        throw new AssertionError("the shim wrote something that is not JSON", e);
      } finally {
        frame.release();
      }
    }
    return commands;
  }

  private static JsonNode only(List<JsonNode> commands, String method) {
    assertThat(methods(commands)).containsExactly(method);
    return commands.get(0);
  }

  private static List<String> methods(List<JsonNode> commands) {
    return commands.stream().map(c -> c.path("method").asText()).toList();
  }

  private void reply(JsonNode command, ObjectNode result) {
    ObjectNode message = JSON.createObjectNode().put("id", command.path("id").asLong());
    message.set("result", result);
    channel.writeInbound(new TextWebSocketFrame(message.toString()));
    channel.runPendingTasks();
  }

  private void event(String method, ObjectNode params) {
    ObjectNode message = JSON.createObjectNode().put("method", method);
    message.set("params", params);
    channel.writeInbound(new TextWebSocketFrame(message.toString()));
  }
}
