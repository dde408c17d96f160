package dev.tether.relay.audit;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One security-relevant fact before it is sealed into the chain. Fields that do not apply are
 * null; {@code details} hold strings, whole numbers and booleans only, so the canonical form is
 * stable. Never put a token or a target→client CDP payload in here.
 */
public record AuditEvent(
    Instant time,
    AuditCode code,
    String actor,
    String role,
    String function,
    String instance,
    String session,
    String remote,
    Map<String, Object> details) {

  /** The actor of what the relay does by itself (timeouts, lost agents, shutdown). */
  public static final String RELAY = "relay";

  public AuditEvent {
    if (time == null || code == null) {
      throw new IllegalArgumentException("an audit event needs a time and a code");
    }
    details = details == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(details));
    for (Object value : details.values()) {
      if (!(value instanceof String || value instanceof Long || value instanceof Integer
          || value instanceof Boolean)) {
        throw new IllegalArgumentException(
            "audit details hold strings, whole numbers and booleans only, not " + value);
      }
    }
  }

  public static Builder of(AuditCode code) {
    return new Builder(code);
  }

  /** Collects an event's fields; {@code at(clock.instant())} then {@link #build()}. */
  public static final class Builder {
    private final AuditCode code;
    private Instant time;
    private String actor;
    private String role;
    private String function;
    private String instance;
    private String session;
    private String remote;
    private final Map<String, Object> details = new TreeMap<>();

    private Builder(AuditCode code) {
      this.code = code;
    }

    public Builder at(Instant value) {
      time = value;
      return this;
    }

    public Builder actor(String value) {
      actor = value;
      return this;
    }

    public Builder role(String value) {
      role = value;
      return this;
    }

    public Builder function(String value) {
      function = value;
      return this;
    }

    public Builder instance(String value) {
      instance = value;
      return this;
    }

    public Builder session(String value) {
      session = value;
      return this;
    }

    public Builder remote(String value) {
      remote = value;
      return this;
    }

    /** Adds a detail; null values are left out. */
    public Builder detail(String key, Object value) {
      if (value != null) {
        details.put(key, value);
      }
      return this;
    }

    public AuditEvent build() {
      return new AuditEvent(time == null ? Instant.now() : time, code, actor, role, function,
          instance, session, remote, details);
    }
  }
}
