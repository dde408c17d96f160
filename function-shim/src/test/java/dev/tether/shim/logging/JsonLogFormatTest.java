package dev.tether.shim.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The shim's own logback.xml, as shipped, with TETHER_LOG_FORMAT set. */
class JsonLogFormatTest {
  @Test
  void jsonFormatWritesOneJsonObjectPerLineWithTheFormattedMessage() throws Exception {
    String line = logWith("json", "session attached session={} user={}", "s-1", "alice");

    JsonNode event = new ObjectMapper().readTree(line);
    assertThat(event.path("level").asText()).isEqualTo("INFO");
    assertThat(event.path("loggerName").asText()).isEqualTo("dev.tether.shim.Probe");
    assertThat(event.path("formattedMessage").asText())
        .isEqualTo("session attached session=s-1 user=alice");
    assertThat(event.path("timestamp").asLong()).isPositive();
    assertThat(event.has("arguments")).as("arguments are already in the message").isFalse();
  }

  @Test
  void textStaysTheDefault() throws Exception {
    String line = logWith(null, "registered function={}", "orders");

    assertThat(line).isEqualTo("tether-shim INFO  registered function=orders");
  }

  private static String logWith(String format, String message, Object... args) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    if (format != null) {
      context.putProperty("TETHER_LOG_FORMAT", format);
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      configurator.doConfigure(JsonLogFormatTest.class.getResource("/logback.xml"));
      context.getLogger("dev.tether.shim.Probe").info(message, args);
    } finally {
      System.setErr(original);
      context.stop();
    }
    String[] lines = captured.toString(StandardCharsets.UTF_8).trim().split("\n");
    assertThat(lines).hasSize(1);
    return lines[0];
  }
}
