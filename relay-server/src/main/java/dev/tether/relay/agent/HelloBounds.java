package dev.tether.relay.agent;

import dev.tether.protocol.ResumeSecret;
import dev.tether.protocol.Target;
import dev.tether.protocol.TunnelMessage;
import dev.tether.relay.config.AgentLimits;
import java.util.List;
import java.util.Optional;

/**
 * Checks a shim's hello (and later target updates) against the relay's {@link AgentLimits}, so an
 * agent token cannot make the relay hold, list and serve arbitrarily large instance descriptions,
 * nor put control characters (a forged log line, a broken listing) into what the relay logs and
 * serves. Each refusal names the field, and for sizes the setting that bounds it, short enough for
 * a close frame's reason; it never repeats the offending text.
 */
final class HelloBounds {
  /** Capabilities are a handful of short words; not worth a setting. */
  static final int MAX_CAPABILITIES = 16;
  static final int MAX_CAPABILITY_LENGTH = 32;

  private final AgentLimits limits;

  HelloBounds(AgentLimits limits) {
    this.limits = limits;
  }

  /** Why {@code hello} is too large, or empty when it fits. */
  Optional<String> check(TunnelMessage.Hello hello) {
    if (hello.runtime().length() > limits.maxRuntimeLength()) {
      return tooLong("runtime", hello.runtime().length(), limits.maxRuntimeLength(),
          "maxRuntimeLength");
    }
    if (hello.shimVersion().length() > limits.maxShimVersionLength()) {
      return tooLong("shimVersion", hello.shimVersion().length(), limits.maxShimVersionLength(),
          "maxShimVersionLength");
    }
    if (hello.capabilities().size() > MAX_CAPABILITIES) {
      return Optional.of("hello lists " + hello.capabilities().size() + " capabilities; at most "
          + MAX_CAPABILITIES);
    }
    for (String capability : hello.capabilities()) {
      if (capability == null || capability.length() > MAX_CAPABILITY_LENGTH) {
        return Optional.of("a hello capability must be a word of at most " + MAX_CAPABILITY_LENGTH
            + " characters");
      }
    }
    if (hello.streams().size() > limits.maxStreamPositions()) {
      return Optional.of("hello lists " + hello.streams().size() + " stream positions; at most "
          + limits.maxStreamPositions() + " (agents.maxStreamPositions)");
    }
    if (hello.resumeSecret() != null && hello.resumeSecret().length() > ResumeSecret.MAX_CHARS) {
      return Optional.of("hello resumeSecret is longer than any secret the relay hands out");
    }
    return check(hello.targets());
  }

  /** Why {@code targets} are too many or too large, or empty when they fit. */
  Optional<String> check(List<Target> targets) {
    if (targets.size() > limits.maxTargets()) {
      return Optional.of("the shim lists " + targets.size() + " targets; at most "
          + limits.maxTargets() + " (agents.maxTargets)");
    }
    int max = limits.maxTargetFieldLength();
    for (Target target : targets) {
      int longest = Math.max(Math.max(target.id().length(), target.type().length()),
          Math.max(target.title().length(), target.url().length()));
      if (longest > max) {
        return tooLong("a target field", longest, max, "maxTargetFieldLength");
      }
    }
    return Optional.empty();
  }

  /** Which field of {@code hello} holds a control or line-breaking character, or empty. */
  Optional<String> unprintable(TunnelMessage.Hello hello) {
    if (!printable(hello.function())) {
      return unprintableField("function");
    }
    if (!printable(hello.runtime())) {
      return unprintableField("runtime");
    }
    if (!printable(hello.shimVersion())) {
      return unprintableField("shimVersion");
    }
    for (String capability : hello.capabilities()) {
      if (!printable(capability)) {
        return unprintableField("a capability");
      }
    }
    return unprintable(hello.targets());
  }

  /** Which target field holds a control or line-breaking character, or empty. */
  Optional<String> unprintable(List<Target> targets) {
    for (Target target : targets) {
      if (!printable(target.id()) || !printable(target.type()) || !printable(target.title())
          || !printable(target.url())) {
        return unprintableField("a target field");
      }
    }
    return Optional.empty();
  }

  private static boolean printable(String text) {
    for (int i = 0; i < text.length(); i++) {
      int type = Character.getType(text.charAt(i));
      if (type == Character.CONTROL || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        return false;
      }
    }
    return true;
  }

  private static Optional<String> unprintableField(String field) {
    return Optional.of(field + " holds a control character; send printable text only");
  }

  private static Optional<String> tooLong(String field, int length, int max, String setting) {
    return Optional.of(field + " is " + length + " characters; at most " + max + " (agents."
        + setting + ")");
  }
}
