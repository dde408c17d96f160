package dev.tether.testkit.cdp;

import com.fasterxml.jackson.databind.JsonNode;

/** A CDP error reply to a command sent with {@link CdpClient#send}. */
public final class CdpError extends RuntimeException {
  public final JsonNode error;

  CdpError(JsonNode error) {
    super(error.toString());
    this.error = error;
  }
}
