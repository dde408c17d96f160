package dev.tether.relay.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.ReadCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a read-only session may ask of the target: deny by default. Commands that only read
 * (inspect, step, profile, take heap snapshots) pass untouched; evaluations pass only with {@code
 * throwOnSideEffect} and a {@code timeout} forced on, which V8 itself enforces; breakpoints pass
 * only without a condition, because a condition (and a DevTools logpoint) is code run in the
 * function; everything else, {@code Runtime.callFunctionOn} included (it has no timeout, and
 * Node's inspector dispatches nothing, a terminate included, while a call runs), is answered by
 * the relay with a CDP error and never reaches the target.
 *
 * <p>Which method reads and which runs code is {@link CdpCommands}' one catalogue, the one the
 * audit uses too. Read-only commands are small, so each is held whole and judged on the relay's one strict
 * reading of it ({@link dev.tether.relay.cdp.CommandReader}); a tree parse happens only for the
 * few methods it rewrites.
 */
public final class ReadOnlyPolicy {
  private static final JsonFactory STRICT =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper MAPPER = new ObjectMapper(STRICT);

  private final long evalTimeoutMillis;

  public ReadOnlyPolicy(Duration evalTimeout) {
    this.evalTimeoutMillis = evalTimeout.toMillis();
  }

  /** What to do with one whole command. */
  public sealed interface Outcome {}

  /** Send these bytes (the original message, or its rewrite). */
  public record Forward(byte[] message) implements Outcome {}

  /** Answer {@code id} with a CDP error instead; {@code reason} is a {@link PolicyListener} code. */
  public record Refuse(Long id, String method, String reason, String message) implements Outcome {}

  /** Decides on one complete client→target message, as the relay's one strict reader read it. */
  public Outcome check(ReadCommand command, byte[] message) {
    String method = command.method();
    if (CdpCommands.onlyReads(method)) {
      return new Forward(message);
    }
    if (CdpCommands.isEvaluation(method)) {
      return rewrite(command, message);
    }
    if (method.equals("Runtime.callFunctionOn")) {
      return refuse(command, "Runtime.callFunctionOn is not allowed in a read-only session: CDP"
          + " gives it no timeout and Node's inspector answers nothing while it runs, so a"
          + " side-effect free loop would hold the function forever; use Runtime.evaluate, which"
          + " the relay bounds to readOnlyEvalTimeout");
    }
    if (CdpCommands.isBreakpoint(method)) {
      return breakpoint(command, message);
    }
    return refuse(command, method + " is not allowed in a read-only session");
  }

  /** The CDP error a refusal is answered with. */
  public static String errorReply(long id, String message) {
    return errorReply(id, -32000, message);
  }

  /** A CDP error reply with {@code code} (-32600 for a message the relay could not read). */
  public static String errorReply(long id, int code, String message) {
    ObjectNode reply = MAPPER.createObjectNode().put("id", id);
    reply.putObject("error").put("code", code).put("message", message);
    return reply.toString();
  }

  private Outcome rewrite(ReadCommand command, byte[] message) {
    ObjectNode root = tree(message);
    ObjectNode params = params(root);
    if (params == null) {
      return refuse(command, command.method() + " needs params as an object");
    }
    params.put("throwOnSideEffect", true);
    JsonNode asked = params.get("timeout");
    long timeout = asked != null && asked.isNumber() && asked.asDouble() > 0
        ? Math.min(asked.asLong(), evalTimeoutMillis) : evalTimeoutMillis;
    params.put("timeout", Math.max(1, timeout));
    return new Forward(root.toString().getBytes(StandardCharsets.UTF_8));
  }

  private Outcome breakpoint(ReadCommand command, byte[] message) {
    if (CdpCommands.hasCondition(command)) {
      return refuse(command, command.method() + " with a condition is not allowed in a read-only"
          + " session: conditions and logpoints run code in the function; set a plain breakpoint");
    }
    return new Forward(message);
  }

  private static Refuse refuse(ReadCommand command, String text) {
    return new Refuse(command.id(), command.method(), PolicyListener.READ_ONLY, text);
  }

  private static ObjectNode tree(byte[] message) {
    try {
      return (ObjectNode) MAPPER.readTree(message);
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("a message that read cleanly failed to parse", e);
    }
  }

  /** The params object (created when absent); null when params is there but not an object. */
  private static ObjectNode params(ObjectNode root) {
    JsonNode params = root.get("params");
    if (params == null || params.isNull()) {
      return root.putObject("params");
    }
    return params.isObject() ? (ObjectNode) params : null;
  }
}
