package dev.tether.relay.config;

import java.time.Duration;

/**
 * The relay's deliberate limits on sessions and connections, validated and defaulted here. Null,
 * zero or negative components take their default (except where 0 means "off", as documented).
 *
 * @param sessionsPerUser live sessions one user may hold at once (429 beyond)
 * @param sessionsPerInstance live sessions one function instance carries at once (429 beyond)
 * @param maxTargetMessageBytes the largest CDP message the target may send towards DevTools
 *     (heap snapshots come in chunks; script sources and profiles can reach tens of MB)
 * @param messagesPerSecond client→target messages a session may send per second, sustained
 * @param messageBurst how many messages above the sustained rate a session may send at once
 * @param handshakeTimeout how long a connection may take to deliver a complete HTTP request
 *     (or upgrade); a slowloris peer is closed after it
 * @param pauseWarning how long a function may stay paused before a warning is reported
 * @param pauseResume how long a function may stay paused before the relay resumes it; {@link
 *     Duration#ZERO} never resumes
 * @param slowConsumerTimeout how long a DevTools client may leave the relay's writes towards it
 *     unfinished before its session is closed with 4008
 * @param readOnlyEvalTimeout the {@code timeout} forced on evaluations in read-only sessions, and
 *     how long any read-only call that runs code may go unanswered before the relay terminates it
 * @param readOnlyMaxCommandBytes the largest command a read-only session may send (they are
 *     inspected whole)
 */
public record Limits(
    int sessionsPerUser,
    int sessionsPerInstance,
    long maxTargetMessageBytes,
    int messagesPerSecond,
    int messageBurst,
    Duration handshakeTimeout,
    Duration pauseWarning,
    Duration pauseResume,
    Duration slowConsumerTimeout,
    Duration readOnlyEvalTimeout,
    long readOnlyMaxCommandBytes) {

  public static final int DEFAULT_SESSIONS_PER_USER = 10;
  public static final int DEFAULT_SESSIONS_PER_INSTANCE = 20;
  public static final long DEFAULT_MAX_TARGET_MESSAGE_BYTES = 256L * 1024 * 1024;
  public static final int DEFAULT_MESSAGES_PER_SECOND = 200;
  public static final int DEFAULT_MESSAGE_BURST = 400;
  public static final long DEFAULT_READ_ONLY_MAX_COMMAND_BYTES = 1024 * 1024;

  public Limits {
    sessionsPerUser = Bounds.positive("limits.sessionsPerUser", sessionsPerUser,
        DEFAULT_SESSIONS_PER_USER, 10_000);
    sessionsPerInstance = Bounds.positive("limits.sessionsPerInstance", sessionsPerInstance,
        DEFAULT_SESSIONS_PER_INSTANCE, 10_000);
    maxTargetMessageBytes = maxTargetMessageBytes <= 0
        ? DEFAULT_MAX_TARGET_MESSAGE_BYTES : maxTargetMessageBytes;
    if (maxTargetMessageBytes < 64 * 1024 || maxTargetMessageBytes > 4L * 1024 * 1024 * 1024) {
      throw new IllegalArgumentException("limits.maxTargetMessageSize must be between 64 KiB and"
          + " 4 GiB (heap snapshots and profiles reach hundreds of MB), was "
          + maxTargetMessageBytes + " bytes");
    }
    messagesPerSecond = Bounds.positive("limits.messagesPerSecond", messagesPerSecond,
        DEFAULT_MESSAGES_PER_SECOND, 100_000);
    messageBurst = Bounds.positive("limits.messageBurst", messageBurst,
        Math.max(DEFAULT_MESSAGE_BURST, messagesPerSecond), 1_000_000);
    handshakeTimeout = Bounds.between("limits.handshakeTimeout",
        Bounds.positiveOrNull(handshakeTimeout), Duration.ofSeconds(10), Duration.ofMillis(100),
        Duration.ofMinutes(5));
    pauseWarning = Bounds.between("limits.pauseWarning", Bounds.positiveOrNull(pauseWarning),
        Duration.ofMinutes(5), Duration.ofMillis(100), Duration.ofDays(1));
    pauseResume = pauseResume == null ? Duration.ofMinutes(15) : pauseResume;
    if (!pauseResume.isZero()) {
      pauseResume = Bounds.between("limits.pauseResume", Bounds.positiveOrNull(pauseResume), null,
          pauseWarning, Duration.ofDays(1));
    }
    slowConsumerTimeout = Bounds.between("limits.slowConsumerTimeout",
        Bounds.positiveOrNull(slowConsumerTimeout), Duration.ofSeconds(30), Duration.ofMillis(100),
        Duration.ofMinutes(30));
    readOnlyEvalTimeout = Bounds.between("limits.readOnlyEvalTimeout",
        Bounds.positiveOrNull(readOnlyEvalTimeout), Duration.ofSeconds(5), Duration.ofMillis(10),
        Duration.ofMinutes(5));
    readOnlyMaxCommandBytes = readOnlyMaxCommandBytes <= 0
        ? DEFAULT_READ_ONLY_MAX_COMMAND_BYTES : readOnlyMaxCommandBytes;
    if (readOnlyMaxCommandBytes < 4 * 1024 || readOnlyMaxCommandBytes > 64L * 1024 * 1024) {
      throw new IllegalArgumentException(
          "limits.readOnlyMaxCommandSize must be between 4 KiB and 64 MiB, was "
              + readOnlyMaxCommandBytes + " bytes");
    }
  }

  /** Every default. */
  public static Limits defaults() {
    return new Limits(0, 0, 0, 0, 0, null, null, null, null, null, 0);
  }

  public Limits withSessions(int perUser, int perInstance) {
    return new Limits(perUser, perInstance, maxTargetMessageBytes, messagesPerSecond,
        messageBurst, handshakeTimeout, pauseWarning, pauseResume, slowConsumerTimeout,
        readOnlyEvalTimeout, readOnlyMaxCommandBytes);
  }

  public Limits withMaxTargetMessageBytes(long bytes) {
    return new Limits(sessionsPerUser, sessionsPerInstance, bytes, messagesPerSecond,
        messageBurst, handshakeTimeout, pauseWarning, pauseResume, slowConsumerTimeout,
        readOnlyEvalTimeout, readOnlyMaxCommandBytes);
  }

  public Limits withRate(int perSecond, int burst) {
    return new Limits(sessionsPerUser, sessionsPerInstance, maxTargetMessageBytes, perSecond,
        burst, handshakeTimeout, pauseWarning, pauseResume, slowConsumerTimeout,
        readOnlyEvalTimeout, readOnlyMaxCommandBytes);
  }

  public Limits withHandshakeTimeout(Duration timeout) {
    return new Limits(sessionsPerUser, sessionsPerInstance, maxTargetMessageBytes,
        messagesPerSecond, messageBurst, timeout, pauseWarning, pauseResume, slowConsumerTimeout,
        readOnlyEvalTimeout, readOnlyMaxCommandBytes);
  }

  public Limits withPause(Duration warning, Duration resume) {
    return new Limits(sessionsPerUser, sessionsPerInstance, maxTargetMessageBytes,
        messagesPerSecond, messageBurst, handshakeTimeout, warning, resume, slowConsumerTimeout,
        readOnlyEvalTimeout, readOnlyMaxCommandBytes);
  }

  public Limits withSlowConsumerTimeout(Duration timeout) {
    return new Limits(sessionsPerUser, sessionsPerInstance, maxTargetMessageBytes,
        messagesPerSecond, messageBurst, handshakeTimeout, pauseWarning, pauseResume, timeout,
        readOnlyEvalTimeout, readOnlyMaxCommandBytes);
  }

  public Limits withReadOnlyEvalTimeout(Duration timeout) {
    return new Limits(sessionsPerUser, sessionsPerInstance, maxTargetMessageBytes,
        messagesPerSecond, messageBurst, handshakeTimeout, pauseWarning, pauseResume,
        slowConsumerTimeout, timeout, readOnlyMaxCommandBytes);
  }
}
