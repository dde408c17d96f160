package dev.tether.relay.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * What a read-only session may ask of the target: deny by default. Commands that only read
 * (inspect, step, profile, take heap snapshots) pass untouched; evaluations pass only with {@code
 * throwOnSideEffect} forced on (and, where CDP has one, a {@code timeout}); breakpoints pass only
 * without a condition, because a condition (and a DevTools logpoint) is code run in the function;
 * everything else is answered by the relay with a CDP error and never reaches the target.
 *
 * <p>Read-only commands are small, so each is inspected whole: a strict streaming scan of the
 * envelope (duplicate keys and trailing content are refused, so the relay and V8 cannot read one
 * message two ways), and a tree parse only for the few methods it rewrites.
 */
public final class ReadOnlyPolicy {
  private static final JsonFactory STRICT =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper MAPPER = new ObjectMapper(STRICT);

  /** Whole domains that only read or observe. */
  private static final Set<String> READ_DOMAINS =
      Set.of("Profiler", "HeapProfiler", "Schema", "Console", "NodeRuntime", "NodeTracing");

  private static final Set<String> READ_METHODS = Set.of(
      "Debugger.enable", "Debugger.disable", "Debugger.getPossibleBreakpoints",
      "Debugger.getScriptSource", "Debugger.getWasmBytecode", "Debugger.disassembleWasmModule",
      "Debugger.nextWasmDisassemblyChunk", "Debugger.getStackTrace", "Debugger.pause",
      "Debugger.removeBreakpoint", "Debugger.resume", "Debugger.searchInContent",
      "Debugger.setAsyncCallStackDepth", "Debugger.setBlackboxPatterns",
      "Debugger.setBlackboxedRanges", "Debugger.setBlackboxExecutionContexts",
      "Debugger.setBreakpointsActive", "Debugger.setInstrumentationBreakpoint",
      "Debugger.setPauseOnExceptions", "Debugger.setSkipAllPauses", "Debugger.stepInto",
      "Debugger.stepOut", "Debugger.stepOver", "Debugger.continueToLocation",
      "Runtime.enable", "Runtime.disable", "Runtime.getProperties", "Runtime.getHeapUsage",
      "Runtime.getIsolateId", "Runtime.globalLexicalScopeNames", "Runtime.queryObjects",
      "Runtime.releaseObject", "Runtime.releaseObjectGroup", "Runtime.runIfWaitingForDebugger",
      "Runtime.discardConsoleEntries", "Runtime.setAsyncCallStackDepth",
      "Runtime.setCustomObjectFormatterEnabled", "Runtime.setMaxCallStackSizeToCapture",
      "Runtime.getExceptionDetails", "Runtime.awaitPromise",
      // Worker targets: commands to them travel flattened (top-level method, checked here) and
      // never inside Target.sendMessageToTarget or NodeWorker.sendMessageToWorker, refused.
      "NodeWorker.enable", "NodeWorker.disable", "NodeWorker.detach", "Target.setAutoAttach",
      "Target.setDiscoverTargets", "Target.getTargets", "Target.getTargetInfo",
      "Target.attachToTarget", "Target.detachFromTarget");

  /** Evaluations that take {@code throwOnSideEffect} and {@code timeout}. */
  private static final Set<String> EVALUATIONS =
      Set.of("Runtime.evaluate", "Debugger.evaluateOnCallFrame");
  /** Calls that take {@code throwOnSideEffect} but have no timeout in CDP. */
  private static final Set<String> CALLS = Set.of("Runtime.callFunctionOn");
  /** Breakpoints whose {@code condition} would run code in the function. */
  private static final Set<String> BREAKPOINTS =
      Set.of("Debugger.setBreakpoint", "Debugger.setBreakpointByUrl",
          "Debugger.setBreakpointOnFunctionCall");

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

  /** Decides on one complete client→target message. */
  public Outcome check(byte[] message) {
    Envelope envelope = scan(message);
    if (envelope == null) {
      return new Refuse(null, null, PolicyListener.MALFORMED,
          "the relay could not read this message as one CDP command; read-only sessions accept"
              + " only well-formed JSON commands");
    }
    String method = envelope.method;
    if (method == null) {
      return new Refuse(envelope.id, null, PolicyListener.MALFORMED,
          "a command without a method is not allowed in a read-only session");
    }
    if (READ_METHODS.contains(method) || READ_DOMAINS.contains(domain(method))) {
      return new Forward(message);
    }
    if (EVALUATIONS.contains(method) || CALLS.contains(method)) {
      return rewrite(envelope, message);
    }
    if (BREAKPOINTS.contains(method)) {
      return breakpoint(envelope, message);
    }
    return refuse(envelope, method + " is not allowed in a read-only session");
  }

  /** The CDP error a refusal is answered with. */
  public static String errorReply(long id, String message) {
    ObjectNode reply = MAPPER.createObjectNode().put("id", id);
    reply.putObject("error").put("code", -32000).put("message", message);
    return reply.toString();
  }

  private Outcome rewrite(Envelope envelope, byte[] message) {
    ObjectNode root = tree(message);
    ObjectNode params = params(root);
    if (params == null) {
      return refuse(envelope, envelope.method + " needs params as an object");
    }
    params.put("throwOnSideEffect", true);
    if (EVALUATIONS.contains(envelope.method)) {
      JsonNode asked = params.get("timeout");
      long timeout = asked != null && asked.isNumber() && asked.asDouble() > 0
          ? Math.min(asked.asLong(), evalTimeoutMillis) : evalTimeoutMillis;
      params.put("timeout", Math.max(1, timeout));
    }
    return new Forward(root.toString().getBytes(StandardCharsets.UTF_8));
  }

  private Outcome breakpoint(Envelope envelope, byte[] message) {
    ObjectNode params = params(tree(message));
    if (params == null) {
      return refuse(envelope, envelope.method + " needs params as an object");
    }
    JsonNode condition = params.get("condition");
    if (condition != null && !(condition.isTextual() && condition.asText().isBlank())) {
      return refuse(envelope, envelope.method + " with a condition is not allowed in a read-only"
          + " session: conditions and logpoints run code in the function; set a plain breakpoint");
    }
    return new Forward(message);
  }

  private static Refuse refuse(Envelope envelope, String text) {
    return new Refuse(envelope.id, envelope.method, PolicyListener.READ_ONLY, text);
  }

  private static ObjectNode tree(byte[] message) {
    try {
      return (ObjectNode) MAPPER.readTree(message);
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("a message that scanned cleanly failed to parse", e);
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

  private static String domain(String method) {
    int dot = method.indexOf('.');
    return dot < 0 ? "" : method.substring(0, dot);
  }

  private record Envelope(Long id, String method) {}

  /**
   * Reads the top-level id and method of one whole message, strictly: one JSON object, no
   * duplicate keys at any level, nothing after it. Null when the message is not that.
   */
  private static Envelope scan(byte[] message) {
    try (JsonParser parser = STRICT.createParser(message)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Long id = null;
      String method = null;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("id")) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            return null;
          }
          id = parser.getLongValue();
        } else if (field.equals("method")) {
          if (value != JsonToken.VALUE_STRING) {
            return null;
          }
          method = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        return null;
      }
      return new Envelope(id, method);
    } catch (IOException e) {
      return null;
    }
  }
}
