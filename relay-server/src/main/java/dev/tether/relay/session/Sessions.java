package dev.tether.relay.session;

import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditSink;
import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.UserId;
import dev.tether.relay.config.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All sessions of this relay: creates them, moves them through their states, and ends them on
 * time with one scheduled task each (nothing polls). Ended sessions stay readable for a while so
 * their owner can see why they ended.
 */
public final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final Duration KEEP_ENDED = Duration.ofMinutes(15);

  private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Duration maxDuration;
  private final Duration idleTimeout;
  private final AuditSink audit;

  public Sessions(
      ScheduledExecutorService scheduler, Clock clock, Duration maxDuration, Duration idleTimeout) {
    this(scheduler, clock, maxDuration, idleTimeout, AuditSink.NONE);
  }

  public Sessions(
      ScheduledExecutorService scheduler, Clock clock, Duration maxDuration, Duration idleTimeout,
      AuditSink audit) {
    this.audit = audit;
    this.scheduler = scheduler;
    this.clock = clock;
    this.maxDuration = maxDuration;
    this.idleTimeout = idleTimeout;
  }

  /** A new session in state {@code requested}, ending by itself unless DevTools attaches. */
  public Session create(UserId owner, String function, String instance, Mode mode) {
    Instant now = clock.instant();
    Session session =
        new Session(UUID.randomUUID().toString(), owner, function, instance, mode, now,
            now.plus(maxDuration));
    sessions.put(session.id(), session);
    session.expiryTimer(
        scheduler.schedule(
            () -> end(session, EndReason.EXPIRED,
                "the session reached its maximum duration of " + Durations.format(maxDuration)
                    + "; start a new session"),
            maxDuration.toMillis(), TimeUnit.MILLISECONDS));
    startIdleTimer(session);
    LOG.info("session requested {} mode={}", session, mode.claim());
    return session;
  }

  public Optional<Session> find(String id) {
    return Optional.ofNullable(sessions.get(id));
  }

  /** Attaches DevTools; false when the session is attached already or has ended. */
  public boolean attach(Session session, Attachment attachment) {
    if (!session.attach(attachment, clock.instant())) {
      return false;
    }
    session.cancelIdleTimer();
    LOG.info("session attached {}", session);
    return true;
  }

  /** DevTools went away (or its stream did); the session waits for a new attach. */
  public void detached(Session session, Attachment attachment) {
    if (session.detach(attachment)) {
      startIdleTimer(session);
      LOG.info("session detached {}", session);
      audit.record(event(AuditCode.SESSION_DETACHED, session, session.subject()).build());
    }
  }

  /** Ends the session and closes its DevTools socket with the reason's code and {@code message}. */
  public void end(Session session, EndReason reason, String message) {
    end(session, reason, message, reason == EndReason.CLOSED ? session.subject() : AuditEvent.RELAY);
  }

  /** {@link #end(Session, EndReason, String)} on behalf of {@code actor}, who the audit names. */
  public void end(Session session, EndReason reason, String message, String actor) {
    Session.Ended ended = session.end(reason, message, clock.instant());
    if (ended == null) {
      return;
    }
    session.cancelTimers();
    LOG.info("session ended {} reason={}", session, reason.wire());
    SessionTraffic traffic = session.traffic();
    audit.record(event(AuditCode.ended(reason.wire()), session, actor)
        .detail("owner", session.subject())
        .detail("ownerIssuer", session.owner().issuer())
        .detail("reason", reason.wire())
        .detail("message", message)
        .detail("messagesToTarget", traffic.messagesToTarget())
        .detail("bytesToTarget", traffic.bytesToTarget())
        .detail("messagesToClient", traffic.messagesToClient())
        .detail("bytesToClient", traffic.bytesToClient())
        .build());
    if (ended.attachment() != null) {
      ended.attachment().end(reason.closeCode(), message);
    }
    if (!scheduler.isShutdown()) {
      scheduler.schedule(
          () -> sessions.remove(session.id(), session), KEEP_ENDED.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Ends every live session on one instance, e.g. when its tunnel is gone for good. */
  public void endAllOn(String function, String instance, EndReason reason, String message) {
    for (Session session : liveOn(function, instance)) {
      end(session, reason, message);
    }
  }

  /** Ends every live session, e.g. when the relay stops. */
  public void endAll(EndReason reason, String message) {
    for (Session session : live()) {
      end(session, reason, message);
    }
  }

  public List<Session> live() {
    List<Session> live = new ArrayList<>();
    for (Session session : sessions.values()) {
      if (session.state() != SessionState.ENDED) {
        live.add(session);
      }
    }
    return live;
  }

  public List<Session> liveOn(String function, String instance) {
    List<Session> live = new ArrayList<>();
    for (Session session : live()) {
      if (session.function().equals(function) && session.instance().equals(instance)) {
        live.add(session);
      }
    }
    return live;
  }

  private AuditEvent.Builder event(AuditCode code, Session session, String actor) {
    return AuditEvent.of(code).at(clock.instant()).actor(actor).function(session.function())
        .instance(session.instance()).session(session.id());
  }

  private void startIdleTimer(Session session) {
    if (scheduler.isShutdown()) {
      return;
    }
    session.idleTimer(
        scheduler.schedule(
            () -> {
              if (session.state().awaitsDevTools()) {
                end(session, EndReason.EXPIRED,
                    "no DevTools attached for " + Durations.format(idleTimeout)
                        + "; start a new session");
              }
            },
            idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
  }
}
