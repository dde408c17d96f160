package dev.tether.relay.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Writes JSON responses, including every error as {@code {"error": code, "message": text}}. */
public final class Json {
  public static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  public static void write(Response response, Callback callback, int status, Object body) {
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      callback.failed(e);
      return;
    }
    writeRaw(response, callback, status, bytes);
  }

  public static void writeRaw(Response response, Callback callback, int status, byte[] json) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(json), callback);
  }

  public static void error(Response response, Callback callback, ApiError error) {
    write(response, callback, error.status(), errorBody(error.code(), error.getMessage()));
  }

  public static Map<String, String> errorBody(String code, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    return body;
  }
}
