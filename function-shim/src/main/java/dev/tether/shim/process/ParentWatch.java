package dev.tether.shim.process;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the wrapped function when the process that started the shim dies, so a launcher killed
 * with {@code kill -9} (the demo) leaves no shim and node behind holding their ports and
 * reconnecting forever. A launcher opts in by naming itself in {@code TETHER_PARENT_PID}.
 */
public final class ParentWatch {
  public static final String VARIABLE = "TETHER_PARENT_PID";
  private static final Logger LOG = LoggerFactory.getLogger(ParentWatch.class);
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final long parentPid;

  private ParentWatch(long parentPid) {
    this.parentPid = parentPid;
  }

  /** The watch the environment asks for, if any; a value that is not a pid is ignored, said once. */
  public static Optional<ParentWatch> fromEnvironment(Map<String, String> environment) {
    String value = environment.get(VARIABLE);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ParentWatch(Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      LOG.warn("{} is not a process id, ignored value={}", VARIABLE, value);
      return Optional.empty();
    }
  }

  /** Stops {@code function} (TERM, then KILL after a grace) once the parent is gone. */
  public void stopWhenGone(NodeProcess function) {
    Optional<ProcessHandle> parent = ProcessHandle.of(parentPid).filter(ProcessHandle::isAlive);
    if (parent.isEmpty()) {
      stop(function);
      return;
    }
    parent.get().onExit().thenRun(() -> stop(function));
  }

  private void stop(NodeProcess function) {
    LOG.info("parent pid={} is gone; stopping the function", parentPid);
    function.stop(GRACE);
  }
}
