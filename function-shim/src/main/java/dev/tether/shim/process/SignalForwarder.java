package dev.tether.shim.process;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Passes TERM, INT and HUP on to the wrapped function instead of letting them stop the shim: the
 * function decides how to end, and the shim exits when it does, with its exit code.
 *
 * <p>Only {@code Main} installs this; a shim started inside a test JVM leaves its signals alone.
 */
public final class SignalForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(SignalForwarder.class);
  private static final List<String> FORWARDED = List.of("TERM", "INT", "HUP");

  private SignalForwarder() {}

  public static void install(NodeProcess child) {
    for (String name : FORWARDED) {
      try {
        Signal.handle(new Signal(name), signal -> forward(child, signal.getName()));
      } catch (IllegalArgumentException e) {
        LOG.debug("cannot forward SIG{}: {}", name, e.getMessage());
      }
    }
  }

  private static void forward(NodeProcess child, String name) {
    LOG.info("forwarding signal=SIG{} pid={}", name, child.pid());
    try {
      child.signal(name);
    } catch (IOException e) {
      LOG.warn("could not forward signal=SIG{} pid={}: {}", name, child.pid(), e.getMessage());
    }
  }
}
