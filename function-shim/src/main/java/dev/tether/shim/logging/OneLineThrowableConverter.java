package dev.tether.shim.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tether.protocol.SafeText;

/**
 * {@code %ex} for logback.xml: the stack trace on the event's own line, its breaks written as
 * {@code \n}, because an exception's message may quote hostile input and must not start a line.
 */
public final class OneLineThrowableConverter extends ThrowableProxyConverter {
  @Override
  public String convert(ILoggingEvent event) {
    String trace = super.convert(event);
    return trace.isEmpty() ? trace : " " + SafeText.escape(trace.stripTrailing());
  }
}
