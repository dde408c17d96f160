package dev.tether.testkit.socket;

/** How a WebSocket was closed by the other side (1006 when it ended without a close frame). */
public record Closed(int code, String reason) {}
