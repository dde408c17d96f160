package dev.tether.shim.logging;

import java.io.PrintStream;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One of the shim's SLF4J loggers: an event at or above its threshold is formatted and written
 * as one line to stderr. It replaces Logback in the shim, whose 500 classes (and java.xml's, for
 * its configuration) cost a function about as much memory as the rest of the shim.
 */
final class StderrLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient Level threshold;
  private final transient LogFormat format;
  private final transient PrintStream out;

  StderrLogger(String name, Level threshold, LogFormat format, PrintStream out) {
    this.name = name;
    this.threshold = threshold;
    this.format = format;
    this.out = out;
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold.toInt();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable thrown) {
    String message = MessageFormatter.basicArrayFormat(pattern, arguments);
    // One print call per event: PrintStream locks per call, so lines of two threads never mix.
    out.print(format.line(level, name, message, thrown, System.currentTimeMillis()));
    out.flush();
  }
}
