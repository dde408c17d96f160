package dev.tether.shim.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * SLF4J's binding to {@link StderrLoggerFactory}. The shim's {@code Main} names it in the {@code
 * slf4j.provider} property rather than in a service file, so a JVM that runs the shim beside the
 * relay (the end-to-end tests) keeps the relay's Logback.
 */
public final class StderrLoggerProvider implements SLF4JServiceProvider {
  /** The value of {@code slf4j.provider} that selects this provider. */
  public static final String NAME = StderrLoggerProvider.class.getName();

  private ILoggerFactory loggers;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    loggers = StderrLoggerFactory.fromEnvironment(System.getenv());
  }
}
