package dev.tether.protocol;

/**
 * The routing facts of a CDP message: its {@code id} (commands and replies) and {@code method}
 * (commands and events). {@code malformed} is true when the bytes were not a JSON object.
 */
public record CdpEnvelope(Long id, String method, boolean malformed) {
  public boolean isCommand() {
    return id != null && method != null;
  }
}
