package dev.tether.relay.audit;

import dev.tether.protocol.CdpPeeker;
import dev.tether.relay.session.Session;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the client→target messages of one DevTools connection for commands that run or change
 * code, and records each with its arguments (truncated). Every message's method is peeked (no
 * copy: bytes are kept only while a message's method has not arrived yet); only the messages of
 * {@link CdpCommands} are parsed further. Until the method is known, at most
 * 64 KiB of the message is kept; a command whose method comes after more than that is still
 * recorded, without arguments ({@link AuditCode#CDP_COMMAND_UNCAPTURED}). Target→client messages
 * never pass through here. Called by the connection's reading thread only.
 */
public final class CommandAudit {
  private static final Logger LOG = LoggerFactory.getLogger(CommandAudit.class);
  static final int PREFIX_MAX = 64 * 1024;

  private final AuditSink sink;
  private final Session session;
  private final String remote;
  private final int maxArgChars;
  private final Clock clock;

  private CdpPeeker peeker;
  private ByteArrayOutputStream prefix; // frames before the method, kept only while it is unknown
  private boolean prefixOverflow;
  private ParamsCapture capture;
  private String method;
  private Long id;
  private boolean settled;

  public CommandAudit(AuditSink sink, Session session, String remote, int maxArgChars,
      Clock clock) {
    this.sink = sink;
    this.session = session;
    this.remote = remote;
    this.maxArgChars = maxArgChars;
    this.clock = clock;
  }

  /** One frame from DevTools: {@code first} starts a message, {@code fin} ends it. */
  public void onFrame(boolean first, ByteBuffer payload, boolean fin) {
    if (first) {
      peeker = new CdpPeeker();
      prefix = null;
      prefixOverflow = false;
      capture = null;
      method = null;
      id = null;
      settled = false;
    }
    if (peeker == null || settled) {
      return;
    }
    if (method == null) {
      boolean known = peeker.feed(payload);
      if (!known && !fin) {
        keep(payload); // rare: the method comes in a later frame
        return;
      }
      peeker.finish();
      method = peeker.envelope().method();
      id = peeker.envelope().id();
      LOG.debug("cdp command {} method={}", session, method);
      if (!CdpCommands.captures(method)) {
        settle();
        return;
      }
      if (prefixOverflow) {
        emit(AuditCode.CDP_COMMAND_UNCAPTURED, null, false,
            "its arguments came before the method and were larger than 64 KiB");
        settle();
        return;
      }
      capture = new ParamsCapture(maxArgChars);
      if (prefix != null) {
        capture.feed(ByteBuffer.wrap(prefix.toByteArray()));
        prefix = null;
      }
      capture.feed(payload);
    } else if (capture != null) {
      capture.feed(payload);
    }
    if (capture != null && (capture.done() || fin)) {
      String params = capture.text();
      if (CdpCommands.records(method, capture.condition())) {
        emit(AuditCode.CDP_COMMAND, params, capture.truncated(), null);
      }
      settle();
    }
  }

  private void keep(ByteBuffer payload) {
    if (prefixOverflow) {
      return;
    }
    if ((prefix == null ? 0 : prefix.size()) + payload.remaining() > PREFIX_MAX) {
      prefixOverflow = true; // too much before the method; see the class comment
      prefix = null;
      return;
    }
    if (prefix == null) {
      prefix = new ByteArrayOutputStream();
    }
    ByteBuffer copy = payload.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    prefix.writeBytes(bytes);
  }

  private void emit(AuditCode code, String params, boolean truncated, String note) {
    sink.record(AuditEvent.of(code).at(clock.instant())
        .actor(session.subject())
        .function(session.function())
        .instance(session.instance())
        .session(session.id())
        .remote(remote)
        .detail("method", method)
        .detail("id", id)
        .detail("params", params)
        .detail("truncated", params == null ? null : truncated)
        .detail("note", note)
        .build());
  }

  private void settle() {
    settled = true;
    capture = null;
    prefix = null;
  }
}
