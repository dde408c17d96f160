package dev.tether.shim;

import dev.tether.protocol.FunctionName;
import dev.tether.protocol.SafeText;
import dev.tether.protocol.Tunnel;
import dev.tether.shim.process.FunctionEnvironment;
import dev.tether.shim.process.NodeCommand;
import dev.tether.shim.stream.StreamLimits;
import dev.tether.shim.tunnel.Backoff;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Everything one shim needs, validated and defaulted here: the relay's agent URL, the agent
 * token, this instance's identity, and either the command to wrap or the inspector to attach to.
 *
 * @param relays the relays' agent URLs, tried in turn (a cluster without a load balancer; one URL
 *     is the usual case); {@code http(s)://} becomes {@code ws(s)://} and {@code /agent} is
 *     appended to the path
 * @param command the function's command (wrap mode), or empty
 * @param inspector {@code host:port} of a running inspector (attach mode), or null
 * @param waitForDebugger wrap mode: hold the function before its first line until a session
 *     attaches (and its client releases it), at most this long; null runs it at once
 * @param pid pid mode: the running Node.js process to tether, whose inspector is closed and is
 *     opened (SIGUSR1) only when a session needs it; null otherwise
 * @param inspectOnDemand wrap mode: start node with its inspector closed and open it only when a
 *     session needs it, so no inspector port is open while nobody debugs
 * @param holdForFunctionSessions wrap mode: start the function held before its first line, and
 *     keep it so only when the relay's welcome says a function session is attached, until that
 *     window starts it or this long has passed since the start; null runs it at once
 */
public record ShimConfig(
    List<URI> relays,
    String token,
    String function,
    String instance,
    List<String> command,
    String inspector,
    StreamLimits limits,
    Backoff backoff,
    Duration waitForDebugger,
    Long pid,
    boolean inspectOnDemand,
    Duration holdForFunctionSessions) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}");

  public ShimConfig {
    if (relays == null || relays.isEmpty()) {
      throw new IllegalArgumentException(
          "missing the relay URL: pass --relay URL or set TETHER_RELAY_URL");
    }
    // A loop, not a stream: the shim's start path loads no java.util.stream (BENCHMARKS.md B8).
    Set<URI> agentUrls = new LinkedHashSet<>();
    for (URI relay : relays) {
      agentUrls.add(agentUrl(relay));
    }
    relays = List.copyOf(agentUrls);
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException(
          "missing the agent token: set TETHER_AGENT_TOKEN (or pass --token);"
              + " `./tether token agent --function NAME` prints one");
    }
    token = token.strip();
    if (function == null || function.isBlank()) {
      throw new IllegalArgumentException(
          "missing the function name: pass --function NAME or set TETHER_FUNCTION");
    }
    if (!FunctionName.isValid(function)) {
      throw new IllegalArgumentException(
          "the function name '" + SafeText.escape(function) + "' is not valid: "
              + FunctionName.DESCRIPTION);
    }
    instance = instance == null || instance.isBlank() ? defaultInstanceId() : instance;
    requireName(instance, "instance id");
    command = command == null ? List.of() : List.copyOf(command);
    FunctionEnvironment.checkCommand(command, token);
    inspector = inspector == null || inspector.isBlank() ? null : inspector.strip();
    int modes = (command.isEmpty() ? 0 : 1) + (inspector == null ? 0 : 1) + (pid == null ? 0 : 1);
    if (modes == 0) {
      throw new IllegalArgumentException(
          "nothing to tether: put the function's command after -- (e.g. -- node server.js),"
              + " pass --inspector HOST:PORT of a running inspector, or --pid N of a running node");
    }
    if (modes > 1) {
      throw new IllegalArgumentException(
          "choose one: a command after -- (wrap mode), --inspector HOST:PORT (attach mode) or"
              + " --pid N, not several");
    }
    if (pid != null && pid <= 0) {
      throw new IllegalArgumentException("--pid wants the process id of a running node, was " + pid);
    }
    if (inspectOnDemand && (command.isEmpty() || !NodeCommand.isNode(command.get(0)))) {
      throw new IllegalArgumentException(
          "--inspect-on-demand needs a command that starts with node (the shim signals that"
              + " process); for a launcher, use --pid with the node process instead");
    }
    if (inspectOnDemand && waitForDebugger != null) {
      throw new IllegalArgumentException(
          "--wait-for-debugger needs the inspector open from the start; drop --inspect-on-demand");
    }
    if (holdForFunctionSessions != null) {
      if (command.isEmpty() || inspectOnDemand || waitForDebugger != null) {
        throw new IllegalArgumentException("--hold-for-function-sessions needs wrap mode with the"
            + " inspector open from the start, and replaces --wait-for-debugger");
      }
      if (holdForFunctionSessions.isNegative() || holdForFunctionSessions.isZero()) {
        throw new IllegalArgumentException(
            "--hold-for-function-sessions wants a positive time, e.g. 10s");
      }
    }
    if (inspector != null) {
      requireHostPort(inspector);
    }
    limits = limits == null ? StreamLimits.DEFAULTS : limits;
    backoff = backoff == null ? Backoff.DEFAULT : backoff;
    if (waitForDebugger != null) {
      if (command.isEmpty()) {
        throw new IllegalArgumentException(
            "--wait-for-debugger needs wrap mode: the shim can only hold a function it starts");
      }
      if (waitForDebugger.isNegative() || waitForDebugger.isZero()) {
        throw new IllegalArgumentException("--wait-for-debugger wants a positive time, e.g. 30s");
      }
    }
  }

  /** Wrap mode: start {@code command} with a private inspector and tether it. */
  public static ShimConfig wrap(String relay, String token, String function, List<String> command) {
    return new ShimConfig(
        parseUrl(relay), token, function, null, command, null, null, null, null, null, false, null);
  }

  /** Attach mode: tether the inspector already listening at {@code host:port}. */
  public static ShimConfig attach(String relay, String token, String function, String inspector) {
    return new ShimConfig(
        parseUrl(relay), token, function, null, List.of(), inspector, null, null, null, null, false,
        null);
  }

  /** Pid mode: tether the running node {@code pid}, opening its inspector only for a session. */
  public static ShimConfig pid(String relay, String token, String function, long pid) {
    return new ShimConfig(
        parseUrl(relay), token, function, null, List.of(), null, null, null, null, pid, false, null);
  }

  public ShimConfig withInstance(String id) {
    return new ShimConfig(relays, token, function, id, command, inspector, limits, backoff,
        waitForDebugger, pid, inspectOnDemand, holdForFunctionSessions);
  }

  public ShimConfig withLimits(StreamLimits newLimits) {
    return new ShimConfig(relays, token, function, instance, command, inspector, newLimits, backoff,
        waitForDebugger, pid, inspectOnDemand, holdForFunctionSessions);
  }

  public ShimConfig withBackoff(Backoff newBackoff) {
    return new ShimConfig(relays, token, function, instance, command, inspector, limits, newBackoff,
        waitForDebugger, pid, inspectOnDemand, holdForFunctionSessions);
  }

  public ShimConfig withWaitForDebugger(Duration timeout) {
    return new ShimConfig(relays, token, function, instance, command, inspector, limits, backoff,
        timeout, pid, inspectOnDemand, holdForFunctionSessions);
  }

  public ShimConfig withHoldForFunctionSessions(Duration timeout) {
    return new ShimConfig(relays, token, function, instance, command, inspector, limits, backoff,
        waitForDebugger, pid, inspectOnDemand, timeout);
  }

  public ShimConfig withInspectOnDemand(boolean onDemand) {
    return new ShimConfig(relays, token, function, instance, command, inspector, limits, backoff,
        waitForDebugger, pid, onDemand, holdForFunctionSessions);
  }

  /** True when the inspector stays closed until a session needs it (pid mode, or on demand). */
  public boolean opensInspectorOnDemand() {
    return pid != null || inspectOnDemand;
  }

  /** True in wrap mode. */
  public boolean wraps() {
    return !command.isEmpty();
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "ShimConfig[relays=" + relays + ", function=" + function + ", instance=" + instance
        + (wraps() ? ", command=" + command : pid != null ? ", pid=" + pid : ", inspector=" + inspector)
        + "]";
  }

  /** The first relay URL: the one the shim dials first. */
  public URI relay() {
    return relays.get(0);
  }

  /** One URL, or several separated by commas ({@code ws://a:9300,ws://b:9300}); empty for none. */
  static List<URI> parseUrl(String relay) {
    if (relay == null || relay.isBlank()) {
      return List.of();
    }
    List<URI> urls = new ArrayList<>();
    for (String one : relay.split(",")) {
      if (one.isBlank()) {
        throw new IllegalArgumentException(
            "the relay URL list has an empty entry: separate URLs with single commas, was " + relay);
      }
      try {
        urls.add(new URI(one.strip()));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("the relay URL is not a URL: " + e.getMessage());
      }
    }
    return urls;
  }

  /** {@code https://relay.example/tether} becomes {@code wss://relay.example/tether/agent}. */
  static URI agentUrl(URI relay) {
    if (relay == null) {
      throw new IllegalArgumentException(
          "missing the relay URL: pass --relay URL or set TETHER_RELAY_URL");
    }
    String scheme = relay.getScheme() == null ? "" : relay.getScheme().toLowerCase(Locale.ROOT);
    String wsScheme =
        switch (scheme) {
          case "ws", "http" -> "ws";
          case "wss", "https" -> "wss";
          default -> throw new IllegalArgumentException(
              "the relay URL must start with ws://, wss://, http:// or https://, was " + relay);
        };
    if (relay.getHost() == null) {
      throw new IllegalArgumentException("the relay URL has no host: " + relay);
    }
    if (relay.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "the relay URL must not carry credentials; pass the agent token with --token"
              + " or TETHER_AGENT_TOKEN");
    }
    if (relay.getRawQuery() != null || relay.getRawFragment() != null) {
      throw new IllegalArgumentException("the relay URL must not have a query or fragment: " + relay);
    }
    String path = relay.getRawPath() == null ? "" : relay.getRawPath();
    if (!path.endsWith(Tunnel.AGENT_PATH)) {
      path = path.replaceAll("/+$", "") + Tunnel.AGENT_PATH;
    }
    return URI.create(
        wsScheme + "://" + hostForUri(relay.getHost())
            + (relay.getPort() == -1 ? "" : ":" + relay.getPort()) + path);
  }

  /** {@code <hostname>-<pid>-<4 hex>}: unique per process, readable in the console. */
  static String defaultInstanceId() {
    // Uniqueness, not secrecy: ThreadLocalRandom avoids SecureRandom's seeding on the cold path.
    byte[] random = new byte[2];
    ThreadLocalRandom.current().nextBytes(random);
    String host = hostname().replaceAll("[^A-Za-z0-9._-]", "-");
    if (host.isEmpty() || !Character.isLetterOrDigit(host.charAt(0))) {
      host = "instance" + host;
    }
    if (host.length() > 64) {
      host = host.substring(0, 64);
    }
    return host + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random);
  }

  private static String hostname() {
    // No DNS lookup: InetAddress.getLocalHost() can stall a cold start for seconds.
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException | RuntimeException e) {
      return "localhost";
    }
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static void requireName(String value, String what) {
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "the " + what + " '" + value + "' may use letters, digits and . _ : / - (at most 200)");
    }
  }

  private static void requireHostPort(String hostPort) {
    String problem = null;
    try {
      URI uri = new URI("tcp://" + hostPort);
      if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
        problem = "";
      }
    } catch (URISyntaxException e) {
      problem = e.getMessage();
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "--inspector wants HOST:PORT of a Node.js inspector (e.g. 127.0.0.1:9229), was '"
              + hostPort + "'");
    }
  }
}
