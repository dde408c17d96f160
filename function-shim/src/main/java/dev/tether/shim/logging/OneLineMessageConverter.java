package dev.tether.shim.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tether.protocol.SafeText;

/**
 * {@code %msg} for logback.xml: the formatted message (arguments included) with control
 * characters and line separators escaped, so text from users and agents can never start a forged
 * log line.
 */
public final class OneLineMessageConverter extends ClassicConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return SafeText.escape(event.getFormattedMessage());
  }
}
