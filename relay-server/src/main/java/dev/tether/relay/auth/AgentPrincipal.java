package dev.tether.relay.auth;

/** A verified agent token: the one function it may register instances of. */
public record AgentPrincipal(String function, String tokenId) {
  public AgentPrincipal {
    if (function == null || function.isBlank()) {
      throw new IllegalArgumentException("function is required");
    }
  }
}
