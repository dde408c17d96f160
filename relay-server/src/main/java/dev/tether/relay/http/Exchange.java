package dev.tether.relay.http;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;

/** One HTTP request being answered: its path parameters, headers, body, and the ways to reply. */
public final class Exchange {
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final List<String> pathParams;
  private boolean bodyRead;

  /** The most of an unread body {@link #error} reads before it answers. */
  private static final int DRAIN_LIMIT = 64 * 1024;

  Exchange(Request request, Response response, Callback callback, List<String> pathParams) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.pathParams = pathParams;
  }

  public String header(String name) {
    return request.getHeaders().get(name);
  }

  /**
   * A query parameter, e.g. {@code query("limit")}; empty when absent or blank; a 400 when it
   * holds control characters.
   */
  public Optional<String> query(String name) {
    Fields.Field field = Request.extractQueryParameters(request).get(name);
    return field == null || field.getValue() == null || field.getValue().isBlank()
        ? Optional.empty() : Optional.of(Input.text("query parameter " + name, field.getValue()));
  }

  /** The caller's address as the relay sees it. */
  public String remoteAddress() {
    return Request.getRemoteAddr(request);
  }

  /** The n-th {@code {...}} of the route's path, e.g. the session id; a 400 when it holds controls. */
  public String pathParam(int index) {
    return Input.text("the path", pathParams.get(index));
  }

  /** The request body, at most {@code maxBytes}; a bigger one is a 413. */
  public byte[] body(int maxBytes) {
    bodyRead = true;
    long declared = request.getLength();
    if (declared > maxBytes) {
      throw tooLarge(maxBytes);
    }
    try {
      CompletableFuture<byte[]> body = new CompletableFuture<>();
      Content.Source.asByteArrayAsync(request, maxBytes, Promise.Invocable.toPromise(body));
      return body.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw tooLarge(maxBytes);
    } catch (TimeoutException e) {
      throw ApiError.badRequest("body_timeout", "the request body did not arrive within 30s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiError.badRequest("body_interrupted", "the request was interrupted; retry");
    }
  }

  public void json(int status, Object body) {
    Json.write(response, callback, status, body);
  }

  public void rawJson(int status, byte[] body) {
    Json.writeRaw(response, callback, status, body);
  }

  /** Answers with any body, e.g. a CSV export. */
  public void send(int status, String contentType, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  public void header(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /**
   * Answers with a JSON error. A refused request's small unread body is read first, so the
   * connection stays usable for the client's next request; a large one closes the connection.
   */
  void error(ApiError error) {
    if (request.getLength() != 0 && !bodyRead) {
      try {
        body(DRAIN_LIMIT);
      } catch (ApiError tooLargeOrLate) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
    }
    Json.error(response, callback, error);
  }

  private static ApiError tooLarge(int maxBytes) {
    return new ApiError(413, "body_too_large",
        "the request body must be at most " + maxBytes + " bytes of JSON");
  }
}
