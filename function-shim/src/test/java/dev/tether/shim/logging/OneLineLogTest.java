package dev.tether.shim.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped logback.xml keeps every event on one line, whatever a hostile name holds. */
class OneLineLogTest {
  private static final String HOSTILE =
      "orders\n12:00:00.000 level=INFO forged line\r\u0000\u2028\u202e\tend";

  @Test
  void aHostileArgumentIsEscapedOnTheEventsOwnLine() throws Exception {
    List<String> lines = log(null, new IllegalStateException("no function " + HOSTILE));

    assertThat(lines).hasSize(1);
    assertThat(lines.get(0))
        .contains("name=orders\\n12:00:00.000 level=INFO forged line\\r\\u0000\\u2028\\u202e\\tend")
        .contains("java.lang.IllegalStateException: no function orders\\n12:00")
        .contains("\\n\\tat ");
  }

  @Test
  void theJsonFormatStaysOneLineOfValidJsonWithTheSameValue() throws Exception {
    List<String> lines = log("json", new IllegalStateException(HOSTILE));

    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).doesNotContain("\u2028").doesNotContain("\u202e");
    JsonNode event = new ObjectMapper().readTree(lines.get(0));
    assertThat(event.path("formattedMessage").asText()).isEqualTo("refused name=" + HOSTILE);
    assertThat(event.path("throwable").path("message").asText()).isEqualTo(HOSTILE);
  }

  private static List<String> log(String format, Throwable thrown) throws Exception {
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
      configurator.doConfigure(OneLineLogTest.class.getResource("/logback.xml"));
      context.getLogger("dev.tether.shim.Probe").warn("refused name={}", HOSTILE, thrown);
    } finally {
      System.setErr(original);
      context.stop();
    }
    // Split on every character a reader might take for a line break, not just \\n.
    return List.of(captured.toString(StandardCharsets.UTF_8).strip().split("[\\n\\r\\u2028\\u2029\\u0085]"));
  }
}
