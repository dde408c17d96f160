package dev.tether.relay.testing;

/** How a WebSocket was closed by the other side. */
public record Closed(int code, String reason) {}
