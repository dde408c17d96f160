package dev.tether.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * A control message on the agent tunnel, carried as one JSON text frame; CDP itself travels in
 * binary {@link DataFrame}s.
 *
 * <p>Flow on one tunnel: the shim sends {@link Hello} first; the relay answers {@link Welcome} (or
 * closes the socket with a reason). For every DevTools session the relay sends {@link Open}; the
 * shim connects a fresh inspector WebSocket and answers {@link Opened}, or {@link Close} when it
 * cannot. Either side ends a stream with {@link Close}. Data is flow-controlled per stream: a
 * side may send as many payload bytes as the other has granted in {@code Open}/{@code Opened}
 * windows plus later {@link Credit}s, so one slow DevTools client never stalls another stream.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = TunnelMessage.Hello.class, name = "hello"),
  @JsonSubTypes.Type(value = TunnelMessage.Welcome.class, name = "welcome"),
  @JsonSubTypes.Type(value = TunnelMessage.TargetsChanged.class, name = "targets"),
  @JsonSubTypes.Type(value = TunnelMessage.Open.class, name = "open"),
  @JsonSubTypes.Type(value = TunnelMessage.Opened.class, name = "opened"),
  @JsonSubTypes.Type(value = TunnelMessage.Close.class, name = "close"),
  @JsonSubTypes.Type(value = TunnelMessage.Credit.class, name = "credit"),
})
public sealed interface TunnelMessage {

  /** Shim → relay, the first message: who this instance is and what it can debug. */
  record Hello(
      String function,
      String instance,
      String runtime,
      List<Target> targets,
      List<String> capabilities,
      String shimVersion)
      implements TunnelMessage {
    public Hello {
      requireText(function, "function");
      requireText(instance, "instance");
      runtime = runtime == null ? "unknown" : runtime;
      targets = targets == null ? List.of() : List.copyOf(targets);
      capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
      shimVersion = shimVersion == null ? "unknown" : shimVersion;
    }
  }

  /** Relay → shim: the hello was accepted; the instance is registered. */
  record Welcome(String instance, long heartbeatSeconds) implements TunnelMessage {
    public Welcome {
      requireText(instance, "instance");
      if (heartbeatSeconds <= 0) {
        throw new IllegalArgumentException("heartbeatSeconds must be positive");
      }
    }
  }

  /** Shim → relay: the inspector's targets changed (a target came or went). */
  record TargetsChanged(List<Target> targets) implements TunnelMessage {
    public TargetsChanged {
      targets = targets == null ? List.of() : List.copyOf(targets);
    }
  }

  /**
   * Relay → shim: open a new inspector session on {@code target} as stream {@code stream}. The
   * shim may send {@code window} payload bytes on the stream before it needs more credit.
   */
  record Open(int stream, String target, String session, long window) implements TunnelMessage {
    public Open {
      requireStream(stream);
      requireText(target, "target");
      requireText(session, "session");
      requireWindow(window);
    }
  }

  /** Shim → relay: the inspector session is up; the relay may send {@code window} bytes. */
  record Opened(int stream, long window) implements TunnelMessage {
    public Opened {
      requireStream(stream);
      requireWindow(window);
    }
  }

  /** Either way: the stream is over, with a WebSocket-style close code and a readable reason. */
  record Close(int stream, int code, String reason) implements TunnelMessage {
    public Close {
      requireStream(stream);
      reason = reason == null ? "" : reason;
    }
  }

  /** Either way: the sender consumed {@code bytes} payload bytes of the stream; send that many more. */
  record Credit(int stream, long bytes) implements TunnelMessage {
    public Credit {
      requireStream(stream);
      if (bytes <= 0) {
        throw new IllegalArgumentException("credit must be positive, was " + bytes);
      }
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required");
    }
  }

  private static void requireStream(int stream) {
    if (stream <= 0) {
      throw new IllegalArgumentException("stream ids are positive, was " + stream);
    }
  }

  private static void requireWindow(long window) {
    if (window <= 0) {
      throw new IllegalArgumentException("window must be positive, was " + window);
    }
  }
}
