package dev.tether.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
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
 *
 * <p>Resume ({@code tether.v2}): the data frames of a stream are numbered implicitly, 1, 2, 3, …
 * in each direction (a WebSocket delivers them in order, so no header field is needed), and every
 * {@link Credit} also acknowledges how many frames its sender has received ({@code ack}). A sender
 * keeps each data frame until it is acknowledged; that buffer is bounded because credit bounds
 * what may be unacknowledged. When a tunnel drops, the shim dials again and says {@link Hello}
 * with {@code resume} and a {@link StreamPosition} per live stream; the relay answers {@link
 * Welcome} with {@code resumed} and its own positions. Each side then sends again exactly the
 * frames the other has not received, in order, and forgets the streams the other no longer has.
 * Only the connection that was welcomed may resume: its hello carries the {@link ResumeSecret}
 * that its welcome handed out.
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
  @JsonSubTypes.Type(value = TunnelMessage.Crash.class, name = "crash"),
  @JsonSubTypes.Type(value = TunnelMessage.SnapshotPoints.class, name = "snapshot-points"),
  @JsonSubTypes.Type(value = TunnelMessage.SnapshotHit.class, name = "snapshot-hit"),
  @JsonSubTypes.Type(value = TunnelMessage.SnapshotDisabled.class, name = "snapshot-disabled"),
  @JsonSubTypes.Type(value = TunnelMessage.ScriptsRequest.class, name = "scripts-request"),
  @JsonSubTypes.Type(value = TunnelMessage.Scripts.class, name = "scripts"),
  @JsonSubTypes.Type(value = TunnelMessage.Attach.class, name = "attach"),
  @JsonSubTypes.Type(value = TunnelMessage.Refused.class, name = "refused"),
  @JsonSubTypes.Type(value = TunnelMessage.OpenInstance.class, name = "open-instance"),
})
public sealed interface TunnelMessage {

  /**
   * Shim → relay, the first message: who this instance is and what it can debug. After a dropped
   * tunnel, {@code resume} is true, {@code streams} says how far each live stream got, and {@code
   * resumeSecret} is the secret of the {@link Welcome} that registered the instance: without it
   * the relay refuses any hello for an instance id it still holds. {@link #toString} never shows
   * the secret.
   */
  record Hello(
      String function,
      String instance,
      String runtime,
      List<Target> targets,
      List<String> capabilities,
      String shimVersion,
      boolean resume,
      List<StreamPosition> streams,
      String resumeSecret)
      implements TunnelMessage {
    public Hello {
      requireText(function, "function");
      requireText(instance, "instance");
      runtime = runtime == null ? "unknown" : runtime;
      targets = targets == null ? List.of() : List.copyOf(targets);
      capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
      shimVersion = shimVersion == null ? "unknown" : shimVersion;
      streams = streams == null ? List.of() : List.copyOf(streams);
      resumeSecret = resumeSecret == null || resumeSecret.isEmpty() ? null : resumeSecret;
      if (!resume && !streams.isEmpty()) {
        throw new IllegalArgumentException("only a resuming hello names streams");
      }
    }

    /** A first hello: nothing to resume, no secret yet. */
    public Hello(
        String function,
        String instance,
        String runtime,
        List<Target> targets,
        List<String> capabilities,
        String shimVersion) {
      this(function, instance, runtime, targets, capabilities, shimVersion, false, List.of(),
          null);
    }

    @Override
    public String toString() {
      return "Hello[function=" + function + ", instance=" + instance + ", runtime=" + runtime
          + ", targets=" + targets + ", capabilities=" + capabilities + ", shimVersion="
          + shimVersion + ", resume=" + resume + ", streams=" + streams + ", resumeSecret="
          + (resumeSecret == null ? "none" : "redacted") + "]";
    }
  }

  /**
   * Relay → shim: the hello was accepted; the instance is registered. {@code resumed} is true when
   * the relay still held this instance's streams; {@code streams} are the ones it kept, with its
   * positions; the shim ends every other stream. {@code graceSeconds} is how long the relay keeps
   * streams of a dropped tunnel, so the shim keeps its inspector sessions as long and no longer.
   * {@code resumeSecret} ({@link ResumeSecret}) is the instance's secret, the same for as long as
   * the relay holds the instance: the shim keeps the latest in memory, never on disk or in its
   * environment, and sends it in every later hello. This relay always sends one; only a relay
   * older than the field leaves it out (null), and such a relay checks none. {@link #toString}
   * never shows it. {@code hold} is true while a function session is attached to the function: a
   * shim that started the function held before its first line keeps it so until a debugger
   * starts it (bounded by the shim), and otherwise runs it at once; absent (an older relay) is
   * false.
   */
  record Welcome(
      String instance,
      long heartbeatSeconds,
      long graceSeconds,
      boolean resumed,
      List<StreamPosition> streams,
      String resumeSecret,
      Boolean hold)
      implements TunnelMessage {
    public Welcome {
      hold = Boolean.TRUE.equals(hold);
      requireText(instance, "instance");
      if (heartbeatSeconds <= 0) {
        throw new IllegalArgumentException("heartbeatSeconds must be positive");
      }
      if (graceSeconds < 0) {
        throw new IllegalArgumentException("graceSeconds must not be negative");
      }
      streams = streams == null ? List.of() : List.copyOf(streams);
      if (!resumed && !streams.isEmpty()) {
        throw new IllegalArgumentException("only a resuming welcome names streams");
      }
      resumeSecret = resumeSecret == null || resumeSecret.isEmpty() ? null : resumeSecret;
      if (resumeSecret != null && resumeSecret.length() > ResumeSecret.MAX_CHARS) {
        throw new IllegalArgumentException(
            "resumeSecret must be at most " + ResumeSecret.MAX_CHARS + " characters");
      }
    }

    /** A welcome that asks no hold. */
    public Welcome(String instance, long heartbeatSeconds, long graceSeconds, boolean resumed,
        List<StreamPosition> streams, String resumeSecret) {
      this(instance, heartbeatSeconds, graceSeconds, resumed, streams, resumeSecret, false);
    }

    /** A welcome that resumes nothing. */
    public Welcome(String instance, long heartbeatSeconds, long graceSeconds, String resumeSecret) {
      this(instance, heartbeatSeconds, graceSeconds, false, List.of(), resumeSecret);
    }

    /** True when the shim should keep a function held before its first line for a debugger. */
    public boolean holds() {
      return hold;
    }

    @Override
    public String toString() {
      return "Welcome[instance=" + instance + ", heartbeatSeconds=" + heartbeatSeconds
          + ", graceSeconds=" + graceSeconds + ", resumed=" + resumed + ", streams=" + streams
          + ", resumeSecret=" + (resumeSecret == null ? "none" : "redacted") + ", hold=" + hold
          + "]";
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

  /**
   * Either way: the sender consumed {@code bytes} payload bytes of the stream, so the other side
   * may send that many more, and has received the stream's first {@code ack} data frames, so the
   * other side may forget them. A credit of 0 bytes only acknowledges.
   */
  record Credit(int stream, long bytes, long ack) implements TunnelMessage {
    public Credit {
      requireStream(stream);
      if (bytes < 0) {
        throw new IllegalArgumentException("credit must not be negative, was " + bytes);
      }
      if (ack < 0) {
        throw new IllegalArgumentException("ack must not be negative, was " + ack);
      }
      if (bytes == 0 && ack == 0) {
        throw new IllegalArgumentException("a credit grants bytes, acknowledges frames, or both");
      }
    }

    /** Grants bytes without acknowledging frames. */
    public Credit(int stream, long bytes) {
      this(stream, bytes, 0);
    }
  }

  /**
   * Peer link only, landing node → holding node: attach the DevTools client that brought {@code
   * ticket} as stream {@code stream} (the holding node checks the ticket again and admits the
   * session as for a local socket); {@code client} is the DevTools client's address, for the
   * audit trail. The holding node answers {@link Opened} or {@link Refused}; the landing node may
   * send {@code window} payload bytes once opened.
   */
  record Attach(int stream, String ticket, String client, long window) implements TunnelMessage {
    public Attach {
      requireStream(stream);
      requireText(ticket, "ticket");
      client = client == null ? "" : client;
      requireWindow(window);
    }

    /** Never the ticket: a record's own toString would print it into a log line. */
    @Override
    public String toString() {
      return "Attach[stream=" + stream + ", window=" + window + "]";
    }
  }

  /**
   * Peer link only, landing node → holding node: open stream {@code stream} to the inspector of
   * instance {@code instance} of {@code function}, which the holding node's registry holds, for
   * the function session {@code session} of {@code user} in {@code mode} (named for the holding
   * node's log and the shim; policy and audit of the commands run on the landing node, where the
   * session lives). Answered like {@link Attach}: {@link Opened} once the shim opened its
   * inspector session, or {@link Refused}.
   */
  record OpenInstance(int stream, String function, String instance, String session, String user,
      String mode, long window) implements TunnelMessage {
    public OpenInstance {
      requireStream(stream);
      requireText(function, "function");
      requireText(instance, "instance");
      requireText(session, "session");
      requireText(user, "user");
      requireText(mode, "mode");
      requireWindow(window);
    }
  }

  /**
   * Peer link only, holding node → landing node: the attach of stream {@code stream} was refused
   * with HTTP {@code status} and the JSON error {@code error}/{@code message} the landing node
   * answers the DevTools client's upgrade with.
   */
  record Refused(int stream, int status, String error, String message) implements TunnelMessage {
    public Refused {
      requireStream(stream);
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("a refusal is an HTTP 4xx or 5xx, not " + status);
      }
      requireText(error, "error");
      message = message == null ? "" : message;
    }
  }

  /**
   * Shim → relay, as the wrapped function dies: the Node.js diagnostic report it wrote on an
   * uncaught exception or a fatal error, condensed by the shim to fit one control message
   * ({@link #MAX_REPORT_BYTES} of JSON) with environment variable values redacted. The tunnel
   * names the function and instance; {@code exitCode} is the process's (128+N after signal N).
   */
  record Crash(int exitCode, JsonNode report) implements TunnelMessage {
    /** The most JSON a report may take, leaving room for the envelope under the codec's bound. */
    public static final int MAX_REPORT_BYTES = 56 * 1024;

    public Crash {
      if (report == null || !report.isObject()) {
        throw new IllegalArgumentException("report must be a JSON object");
      }
    }
  }

  /**
   * Relay → shim: every snapshot point of the function, replacing whatever the shim had (sent after
   * each welcome and whenever the set changes, so a lost message heals with the next one). {@code
   * redact} names the deny-list: a captured value whose name contains one of these words (case
   * insensitive) is masked. {@code hitsPerSecond} and {@code pauseMsPerSecond} are the per-instance
   * budget of each point: past either, the shim removes the point on its instance and says {@link
   * SnapshotDisabled}. An empty list means no point: the shim closes its inspector session.
   */
  record SnapshotPoints(
      List<SnapshotPoint> points, List<String> redact, int hitsPerSecond, double pauseMsPerSecond)
      implements TunnelMessage {
    /** More points than this per function is a broken or hostile relay. */
    public static final int MAX_POINTS = 64;

    public SnapshotPoints {
      points = points == null ? List.of() : List.copyOf(points);
      redact = redact == null ? List.of() : List.copyOf(redact);
      if (points.size() > MAX_POINTS) {
        throw new IllegalArgumentException("at most " + MAX_POINTS + " points, got " + points.size());
      }
      if (hitsPerSecond < 1 || pauseMsPerSecond <= 0) {
        throw new IllegalArgumentException("the hit budget must be positive");
      }
    }
  }

  /**
   * Shim → relay, after the function was resumed: one hit of {@code point} at {@code at} (epoch
   * milliseconds), the pause it cost ({@code pauseMs}), the call stack (top first) and, for a
   * snapshot, the captured {@code scopes} (already redacted; {@code cut} when something was left
   * out to fit the bounds); for a logpoint the evaluated {@code log} line instead. {@code dropped}
   * counts earlier hits of this instance that were lost because the send queue was full.
   */
  record SnapshotHit(
      String point, long at, double pauseMs, List<CapturedFrame> stack, JsonNode scopes,
      String log, boolean cut, int dropped)
      implements TunnelMessage {
    public SnapshotHit {
      requireText(point, "point");
      stack = stack == null ? List.of() : List.copyOf(stack);
      scopes = scopes == null || scopes.isNull() ? null : scopes;
      if (scopes != null && !scopes.isArray()) {
        throw new IllegalArgumentException("scopes must be a JSON array");
      }
      if (pauseMs < 0 || dropped < 0) {
        throw new IllegalArgumentException("pauseMs and dropped must not be negative");
      }
    }
  }

  /** Shim → relay: {@code point} no longer breaks on this instance, and why (a budget, a bad URL). */
  record SnapshotDisabled(String point, String reason) implements TunnelMessage {
    public SnapshotDisabled {
      requireText(point, "point");
      requireText(reason, "reason");
    }
  }

  /** Relay → shim: list the function's scripts; the answer is {@link Scripts} with this number. */
  record ScriptsRequest(int request) implements TunnelMessage {
    public ScriptsRequest {
      if (request <= 0) {
        throw new IllegalArgumentException("request numbers are positive, was " + request);
      }
    }
  }

  /** Shim → relay: the URLs of the scripts the function has loaded, or why they are unknown. */
  record Scripts(int request, List<String> urls, String error) implements TunnelMessage {
    /** Enough for a function with its dependencies; a longer list is cut. */
    public static final int MAX_URLS = 500;

    public Scripts {
      urls = urls == null ? List.of() : List.copyOf(urls);
      if (urls.size() > MAX_URLS) {
        throw new IllegalArgumentException("at most " + MAX_URLS + " script urls");
      }
      error = error == null || error.isBlank() ? null : error;
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
