package dev.tether.relay.http;

import dev.tether.relay.auth.AuthException;

/**
 * A refusal to answer with: an HTTP status, a stable error code and a message that says what to
 * do. Thrown by handlers and turned into {@code {"error", "message"}} at the boundary.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;

  public ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public static ApiError from(AuthException e) {
    return new ApiError(e.status(), e.code(), e.getMessage());
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  public static ApiError forbidden(String code, String message) {
    return new ApiError(403, code, message);
  }

  public static ApiError notFound(String code, String message) {
    return new ApiError(404, code, message);
  }

  public static ApiError conflict(String code, String message) {
    return new ApiError(409, code, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
