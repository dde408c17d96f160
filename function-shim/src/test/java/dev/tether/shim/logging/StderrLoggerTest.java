package dev.tether.shim.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/** The shim's stderr logger: one event, one line, whatever a hostile name holds. */
class StderrLoggerTest {
  private static final String HOSTILE =
      "orders\n12:00:00.000 level=INFO forged line\r\u0000\u2028\u202e\tend";

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

  @Test
  void textIsTheDefaultAndReadsAsBefore() {
    logger(Level.INFO, LogFormat.named(null), "dev.tether.shim.Probe")
        .info("registered function={}", "orders");

    assertThat(lines()).containsExactly("tether-shim INFO  registered function=orders");
  }

  @Test
  void aHostileArgumentAndStackTraceStayOnTheEventsOwnLine() {
    logger(Level.INFO, LogFormat.TEXT, "dev.tether.shim.Probe")
        .warn("refused name={}", HOSTILE, new IllegalStateException("no function " + HOSTILE));

    assertThat(lines()).hasSize(1);
    assertThat(lines().get(0))
        .startsWith("tether-shim WARN  refused name=orders\\n12:00:00.000 level=INFO forged line")
        .contains("\\r\\u0000\\u2028\\u202e\\tend")
        .contains("java.lang.IllegalStateException: no function orders\\n12:00")
        .contains("\\n\\tat ");
  }

  @Test
  void jsonFormatWritesOneValidJsonObjectPerLineWithTheSameValues() throws Exception {
    logger(Level.INFO, LogFormat.named("json"), "dev.tether.shim.Probe")
        .warn("refused name={}", HOSTILE, new IllegalStateException(HOSTILE));

    assertThat(lines()).hasSize(1);
    assertThat(lines().get(0)).doesNotContain("\u2028").doesNotContain("\u202e");
    JsonNode event = new ObjectMapper().readTree(lines().get(0));
    assertThat(event.path("level").asText()).isEqualTo("WARN");
    assertThat(event.path("loggerName").asText()).isEqualTo("dev.tether.shim.Probe");
    assertThat(event.path("formattedMessage").asText()).isEqualTo("refused name=" + HOSTILE);
    assertThat(event.path("timestamp").asLong()).isPositive();
    assertThat(event.path("throwable").path("message").asText()).isEqualTo(HOSTILE);
    assertThat(event.path("throwable").path("className").asText())
        .isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void eventsBelowTheLevelAreDroppedAndNettyIsHeldAtWarn() {
    StderrLoggerFactory factory = new StderrLoggerFactory(Level.DEBUG, LogFormat.TEXT, out);
    factory.getLogger("dev.tether.shim.Probe").trace("not shown");
    factory.getLogger("dev.tether.shim.Probe").debug("shown");
    factory.getLogger("io.netty.channel.Probe").info("netty chatter");
    factory.getLogger("io.netty.channel.Probe").warn("netty trouble");

    assertThat(lines()).containsExactly("tether-shim DEBUG shown", "tether-shim WARN  netty trouble");
  }

  @Test
  void theLevelComesFromTetherLogLevelAndAnUnknownOneMeansInfo() {
    assertThat(StderrLoggerFactory.level("debug")).isEqualTo(Level.DEBUG);
    assertThat(StderrLoggerFactory.level(null)).isEqualTo(Level.INFO);
    assertThat(StderrLoggerFactory.level("loud")).isEqualTo(Level.INFO);
  }

  @Test
  void anUnknownFormatIsRefusedWithTheNameOfTheVariable() {
    assertThatThrownBy(() -> LogFormat.named("xml"))
        .hasMessage("TETHER_LOG_FORMAT must be text or json, was 'xml'");
  }

  private Logger logger(Level level, LogFormat format, String name) {
    return new StderrLoggerFactory(level, format, out).getLogger(name);
  }

  private List<String> lines() {
    // Split on every character a reader might take for a line break, not just \n.
    return List.of(captured.toString(StandardCharsets.UTF_8).strip()
        .split("[\\n\\r\\u2028\\u2029\\u0085]"));
  }
}
