package dev.tether.relay.devtools;

import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.cdp.CdpCommands;
import dev.tether.relay.cdp.CodeArgument;
import dev.tether.relay.cdp.ReadCommand;
import dev.tether.relay.session.Session;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the DevTools commands of one connection that run or change code ({@link CdpCommands}),
 * from the one strict reading of each message that policy and routing use too. Every
 * code-carrying argument is recorded whatever its position and size: its text up to the bound,
 * then its length and SHA-256; the other parameters as bounded JSON.
 */
public final class CommandAudit {
  private static final Logger LOG = LoggerFactory.getLogger(CommandAudit.class);

  private final AuditSink sink;
  private final Session session;
  private final String instance;
  private final String remote;
  private final Clock clock;

  public CommandAudit(AuditSink sink, Session session, String remote, Clock clock) {
    this(sink, session, session.instance(), remote, clock);
  }

  /** For one instance of a function session: the records name the instance that ran each command. */
  public CommandAudit(
      AuditSink sink, Session session, String instance, String remote, Clock clock) {
    this.sink = sink;
    this.session = session;
    this.instance = instance;
    this.remote = remote;
    this.clock = clock;
  }

  /**
   * One command as read, before it is forwarded (or refused by policy). A command whose details
   * the reader left unread ({@link ReadCommand#detailsUnread()}) is made into its event on the
   * audit's writer thread, with the time it was read.
   */
  public void record(ReadCommand command) {
    LOG.debug("cdp command {} method={}", session, command.method());
    if (!CdpCommands.records(command)) {
      return;
    }
    Instant at = clock.instant();
    if (command.detailsUnread()) {
      sink.recordLater(() -> event(command, at));
    } else {
      sink.record(event(command, at));
    }
  }

  private AuditEvent event(ReadCommand command, Instant at) {
    AuditEvent.Builder event = AuditEvent.of(AuditCode.CDP_COMMAND).at(at)
        .actor(session.subject())
        .function(session.function())
        .instance(instance)
        .session(session.id())
        .remote(remote)
        .detail("method", command.method())
        .detail("id", command.id())
        .detail("cdpSession", command.sessionId())
        .detail("params", command.params() == null ? null : command.params())
        .detail("truncated", command.params() == null ? null : command.paramsCut())
        .detail("note", command.params() == null && !command.code().isEmpty()
            ? "the other params came before the method and were not kept" : null);
    for (CodeArgument code : command.code()) {
      String key = "code." + code.name();
      event.detail(key, code.text())
          .detail(key + ".length", code.length())
          .detail(key + ".sha256", code.sha256())
          .detail(key + ".cut", code.cut());
    }
    return event.build();
  }
}
