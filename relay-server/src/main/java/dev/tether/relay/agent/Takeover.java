package dev.tether.relay.agent;

import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a hello may do with an instance id the relay already holds (live, or dropped and within its
 * grace): only the secret the relay handed the instance's first connection lets a new connection
 * in, so an agent token (which the function's own code may have read) never takes over a live
 * instance. With the secret, a resuming hello takes the old connection's streams (the hand-over);
 * a fresh one replaces the old connection, whose sessions end. Either way the instance keeps its
 * secret.
 */
final class Takeover {
  private Takeover() {}

  /** The connection that holds the instance now, as a takeover sees it. */
  interface Holder {
    /** Whether {@code offered} is the instance's resume secret (in constant time). */
    boolean ownedBy(String offered);

    /** The instance's secret, for the new connection to keep. */
    String secret();

    /** When the instance first connected. */
    Instant connectedAt();

    /** Gives up the streams to a resuming connection; null when there is nothing to take. */
    AgentTunnel.Handover handOver();
  }

  /** What the hello gets. */
  sealed interface Decision {}

  /**
   * Registered: with {@code secret}, connected since {@code connectedAt}; {@code handover} is the
   * old connection's streams for a resume, else null.
   */
  record Taken(String secret, Instant connectedAt, AgentTunnel.Handover handover)
      implements Decision {}

  /** Refused with 1008 and audited as {@code instance_owned}; the holder keeps everything. */
  record Refused(String reason, Map<String, Object> details) implements Decision {}

  /**
   * Decides on a hello for an instance {@code holder} holds (null when nobody does). A resume
   * whose streams are gone (the grace ended, another connection took them) still registers, as a
   * new connection of the instance.
   */
  static Decision decide(
      Holder holder, boolean resume, String offeredSecret, Supplier<String> newSecret,
      Instant now) {
    if (holder == null) {
      return new Taken(newSecret.get(), now, null);
    }
    if (!holder.ownedBy(offeredSecret)) {
      return new Refused(
          "instance id is taken; only the connection that registered it may resume it (resume"
              + " secret)",
          Map.of("resume", resume, "secret", offeredSecret == null ? "missing" : "wrong"));
    }
    AgentTunnel.Handover handover = resume ? holder.handOver() : null;
    return new Taken(holder.secret(), handover != null ? holder.connectedAt() : now, handover);
  }
}
