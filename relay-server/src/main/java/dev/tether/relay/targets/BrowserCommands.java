package dev.tether.relay.targets;

import dev.tether.protocol.CloseCodes;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.CommandReader;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.cdp.TargetParams;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The commands a function session's window answers itself, as the browser endpoint Chrome's
 * DevTools and Puppeteer expect: the {@code Target} domain, and a few harmless others with an
 * empty result. Anything else without a {@code sessionId} is an unknown method.
 */
final class BrowserCommands {
  /** Methods a browser endpoint accepts that mean nothing for function targets. */
  private static final List<String> ACCEPTED = List.of(
      "Target.setAutoAttach", "Target.setRemoteLocations", "Runtime.runIfWaitingForDebugger",
      "Runtime.enable", "Log.enable", "Debugger.enable", "Profiler.enable",
      "Inspector.enable", "Target.autoAttachRelated");

  private final TargetWindow window;

  BrowserCommands(TargetWindow window) {
    this.window = window;
  }

  void handle(ReadCommand command) {
    long id = command.id();
    TargetParams params = command.target();
    switch (command.method()) {
      case "Target.setDiscoverTargets" -> discover(id, params);
      case "Target.getTargets" -> window.reply(TargetMessages.result(id,
          Map.of("targetInfos", infos())));
      case "Target.getTargetInfo" -> targetInfo(id, params);
      case "Target.attachToTarget" -> {
        if (params.targetId() == null) {
          window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
              "Target.attachToTarget needs params.targetId, a string from targetCreated"));
        } else {
          window.attach(id, params.targetId(), Boolean.TRUE.equals(params.flatten()));
        }
      }
      case "Target.detachFromTarget" -> detach(id, params);
      case "Target.sendMessageToTarget" -> sendMessage(id, params);
      case "Browser.getVersion" -> window.reply(TargetMessages.result(id, Map.of(
          "protocolVersion", "1.3", "product", "Tether", "revision", "",
          "userAgent", "Tether relay", "jsVersion", "")));
      default -> {
        if (ACCEPTED.contains(command.method())) {
          window.reply(TargetMessages.result(id, Map.of()));
        } else {
          window.reply(TargetMessages.error(id, TargetMessages.NO_METHOD, "'"
              + command.method() + "' wasn't found: a function session's socket speaks the"
              + " Target domain; attach to an instance and send commands to its session"));
        }
      }
    }
  }

  private List<Map<String, Object>> infos() {
    List<Map<String, Object>> infos = new ArrayList<>();
    for (Instance instance : window.instances()) {
      infos.add(window.info(instance));
    }
    return infos;
  }

  private void discover(long id, TargetParams params) {
    if (params.discover() == null) {
      window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "Target.setDiscoverTargets needs params.discover, true or false"));
      return;
    }
    boolean was = window.discovering();
    window.discover(params.discover());
    window.reply(TargetMessages.result(id, Map.of()));
    if (params.discover() && !was) {
      for (Map<String, Object> info : infos()) {
        window.event(TargetMessages.event("Target.targetCreated", Map.of("targetInfo", info)));
      }
    }
  }

  private void targetInfo(long id, TargetParams params) {
    Map<String, Object> info = infos().stream()
        .filter(i -> i.get("targetId").equals(params.targetId())).findFirst().orElse(null);
    if (info == null) {
      window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "No target with given id found"));
    } else {
      window.reply(TargetMessages.result(id, Map.of("targetInfo", info)));
    }
  }

  private void detach(long id, TargetParams params) {
    AttachedTarget target = params.sessionId() != null
        ? window.attachedSession(params.sessionId()).orElse(null)
        : params.targetId() != null ? window.attachedTo(params.targetId()).orElse(null) : null;
    if (target == null) {
      window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "No session with given id found"));
      return;
    }
    if (target.close(CloseCodes.NORMAL, "DevTools detached")) {
      window.detached(target, "DevTools detached");
    }
    window.reply(TargetMessages.result(id, Map.of()));
  }

  /**
   * The command inside is a message of its own: read once, strictly, then judged by its target's
   * guard like any other. The outer command is answered once the inner one went (or was refused).
   */
  private void sendMessage(long id, TargetParams params) {
    AttachedTarget target = params.sessionId() == null ? null
        : window.attachedSession(params.sessionId()).orElse(null);
    if (target == null) {
      window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "No session with given id found"));
      return;
    }
    if (target.flatten()) {
      window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND, "When using flat protocol,"
          + " messages are routed to the target via the sessionId attribute."));
      return;
    }
    if (params.message() == null) {
      window.reply(TargetMessages.error(id, TargetMessages.NOT_FOUND,
          "Target.sendMessageToTarget needs params.message, a CDP command as a string"));
      return;
    }
    byte[] inner = params.message().getBytes(StandardCharsets.UTF_8);
    CommandReader reader = new CommandReader(window.maxTextChars(), CdpCommands::captures);
    ReadCommand command = reader.feed(ByteBuffer.wrap(inner)) ? reader.finish() : null;
    if (command == null) {
      window.reply(TargetMessages.error(id, -32600, "the message for " + target.instance().id()
          + " was refused: " + reader.problem()));
      return;
    }
    window.route(target, command, ByteBuffer.wrap(inner),
        () -> window.reply(TargetMessages.result(id, Map.of())));
  }
}
