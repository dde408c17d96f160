package dev.tether.relay.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Runs the relay's logging as shipped ({@code logback.xml} of the main resources, text format)
 * and captures what it writes to stderr, so a test sees the log lines an operator would; closing
 * restores the test logging.
 */
public final class LogCapture implements AutoCloseable {
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final PrintStream original = System.err;

  private LogCapture() {}

  public static LogCapture start() throws Exception {
    LogCapture capture = new LogCapture();
    capture.configure("/logback.xml");
    System.setErr(new PrintStream(capture.captured, true, StandardCharsets.UTF_8));
    return capture;
  }

  /** Every line written so far. */
  public List<String> lines() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  @Override
  public void close() throws Exception {
    System.setErr(original);
    configure("/logback-test.xml");
  }

  private void configure(String resource) throws Exception {
    URL config = LogCapture.class.getResource(resource);
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(config);
  }
}
