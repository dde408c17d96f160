package dev.tether.relay.agent;

import java.time.Instant;

/** A registered function instance, as its shim introduced itself in its hello. */
public record Instance(
    String function, String id, String runtime, String shimVersion, Instant connectedAt) {
  /** How people and logs name it: {@code orders/abc123}. */
  public String name() {
    return function + "/" + id;
  }
}
