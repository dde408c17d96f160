package dev.tether.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A function started as a platform starts it with the shim layer: {@code bin/tether-shim -- node
 * app.js} from {@code function-shim/target/tether-shim-layer}, seen at {@code /opt/tether} (a
 * private mount namespace, where this machine allows one) so the layer's class-data archive,
 * made for that place, is used as it would be on a platform.
 */
final class LayerLaunch {
  private LayerLaunch() {}

  static Path layer(Path home) {
    Path layer = home.resolve("function-shim/target/tether-shim-layer");
    if (!Files.isExecutable(layer.resolve("bin/tether-shim"))) {
      throw new IllegalStateException("no shim layer at " + layer
          + "; build it: mvn -pl function-shim -am package");
    }
    return layer;
  }

  /** True when the layer can be shown at /opt/tether in a private mount namespace. */
  static boolean atOpt() {
    try {
      Process probe = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "true")
          .redirectErrorStream(true).start();
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The command that runs {@code function} under the layer's launcher. */
  static List<String> command(Path layer, boolean atOpt, List<String> function) {
    List<String> command = new ArrayList<>();
    if (atOpt) {
      command.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
          "mount -t tmpfs tmpfs /opt && mkdir /opt/tether && mount --bind \"$0\" /opt/tether"
              + " && exec /opt/tether/bin/tether-shim \"$@\"",
          layer.toString()));
    } else {
      command.add(layer.resolve("bin/tether-shim").toString());
    }
    command.add("--");
    command.addAll(function);
    return command;
  }

  /** The environment a platform would set for the shim. */
  static Map<String, String> environment(RelayProcess relay, String function, String instance) {
    return Map.of("TETHER_RELAY_URL", relay.agentUri().toString(),
        "TETHER_AGENT_TOKEN", relay.agentToken(function),
        "TETHER_FUNCTION", function,
        "TETHER_INSTANCE", instance);
  }

  /** The shim the launcher started beside the function (a JVM among its descendants). */
  static Optional<ProcessHandle> shim(Process launched) {
    return launched.toHandle().descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .findFirst();
  }

  /** Waits (bounded) for a shim whose function ended to leave, so runs do not overlap. */
  static void awaitGone(Optional<ProcessHandle> shim) {
    shim.ifPresent(p -> {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    });
  }
}
