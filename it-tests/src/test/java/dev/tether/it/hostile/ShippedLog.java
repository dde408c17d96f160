package dev.tether.it.hostile;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import dev.tether.relay.Relay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Renders captured log events exactly as the relay's shipped {@code logback.xml} writes them, so a
 * test reads the lines an operator's terminal or log shipper would get.
 */
final class ShippedLog {
  private ShippedLog() {}

  /** The lines the relay's {@code format} appender ({@code text} or {@code json}) writes. */
  static List<String> render(List<ILoggingEvent> events, String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    context.putProperty("TETHER_LOG_FORMAT", format);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(relayConfig());
    Appender<ILoggingEvent> appender =
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(format);
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (ILoggingEvent event : events) {
        appender.doAppend(event);
      }
    } finally {
      System.setErr(original);
      context.stop();
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /** relay-server's own logback.xml (the shim ships one by the same name). */
  private static URL relayConfig() throws Exception {
    URL location = Relay.class.getProtectionDomain().getCodeSource().getLocation();
    String text = location.toString();
    return text.endsWith(".jar")
        ? URI.create("jar:" + text + "!/logback.xml").toURL()
        : new URL(location, "logback.xml");
  }
}
