package dev.tether.relay.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tether.protocol.SafeText;
import java.nio.charset.StandardCharsets;

/**
 * Logback's {@link JsonEncoder}, plus escapes for what JSON allows raw inside strings but log
 * readers may take for a line break or hide (U+2028, U+2029, NEL, bidi overrides), so each event
 * is one line of valid JSON with the same values.
 */
public final class OneLineJsonEncoder extends JsonEncoder {
  @Override
  public byte[] encode(ILoggingEvent event) {
    String json = new String(super.encode(event), StandardCharsets.UTF_8).stripTrailing();
    // Inside JSON these characters occur only in strings, where a JSON escape means the same value.
    return (SafeText.escape(json) + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
