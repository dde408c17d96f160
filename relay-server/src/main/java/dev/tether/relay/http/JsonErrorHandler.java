package dev.tether.relay.http;

import java.util.Locale;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/** Makes the errors Jetty itself produces (bad requests, failed upgrades) JSON like all others. */
public final class JsonErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(
      Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    String reason = HttpStatus.getMessage(code);
    Json.error(response, callback, new ApiError(code,
        reason.toLowerCase(Locale.ROOT).replace(' ', '_'),
        code >= 500
            ? "the relay failed to answer; its log says why"
            : "the request was refused (" + reason + "); check the URL, method and headers"));
  }
}
