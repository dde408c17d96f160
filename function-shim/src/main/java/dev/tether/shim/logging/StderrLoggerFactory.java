package dev.tether.shim.logging;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * The shim's loggers, all writing to one stream in one format at the level {@code
 * TETHER_LOG_LEVEL} names (INFO by default); Netty's are held at WARN, as its chatter at DEBUG
 * is nothing a function's owner can act on.
 */
public final class StderrLoggerFactory implements ILoggerFactory {
  private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
  private final Level level;
  private final LogFormat format;
  private final PrintStream out;

  public StderrLoggerFactory(Level level, LogFormat format, PrintStream out) {
    this.level = level;
    this.format = format;
    this.out = out;
  }

  /** From {@code TETHER_LOG_LEVEL} and {@code TETHER_LOG_FORMAT}, writing to stderr. */
  static StderrLoggerFactory fromEnvironment(Map<String, String> environment) {
    LogFormat format;
    try {
      format = LogFormat.named(environment.get("TETHER_LOG_FORMAT"));
    } catch (IllegalArgumentException e) {
      format = LogFormat.TEXT; // Main refuses it before anything logs
    }
    return new StderrLoggerFactory(level(environment.get("TETHER_LOG_LEVEL")), format, System.err);
  }

  static Level level(String name) {
    if (name == null || name.isBlank()) {
      return Level.INFO;
    }
    try {
      return Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Level.INFO;
    }
  }

  @Override
  public Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, n -> {
      Level threshold = n.startsWith("io.netty") && level.toInt() < Level.WARN.toInt()
          ? Level.WARN : level;
      return new StderrLogger(n, threshold, format, out);
    });
  }
}
