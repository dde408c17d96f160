package dev.tether.relay.auth;

import java.time.Instant;

/**
 * The claims of an attach ticket: a short-lived, single-use permission to attach one DevTools
 * connection to one session. {@code id} is the JWT id the replay cache remembers.
 */
public record Ticket(
    String id,
    String sessionId,
    String subject,
    String function,
    String instance,
    Mode mode,
    Instant expiresAt) {}
