package dev.tether.shim.tunnel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Why the relay refused the WebSocket upgrade, told so an operator knows what to do: the HTTP
 * status, the relay's {@code {"error","message"}} body, and a hint for token problems.
 */
record Refusal(int status, String error, String message) {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int MAX_TEXT = 300;

  static Refusal of(FullHttpResponse response) {
    String body = response.content().toString(StandardCharsets.UTF_8);
    String error = "";
    String message = body;
    try (JsonParser json = JSON.createParser(body)) {
      if (json.nextToken() == JsonToken.START_OBJECT) {
        String readError = "";
        String readMessage = "";
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
          JsonToken value = json.nextToken();
          if (value == JsonToken.VALUE_STRING && name.equals("error")) {
            readError = json.getText();
          } else if (value == JsonToken.VALUE_STRING && name.equals("message")) {
            readMessage = json.getText();
          } else {
            json.skipChildren();
          }
        }
        error = readError;
        message = readMessage;
      }
    } catch (Exception notJson) {
      // a proxy's HTML page, say: keep the beginning of it
    }
    return new Refusal(response.status().code(), clip(error), clip(message.strip()));
  }

  /** True when retrying cannot help until someone changes the token or its grants. */
  boolean auth() {
    return status == 401 || status == 403;
  }

  String describe(String function) {
    StringBuilder text = new StringBuilder("the relay refused the tunnel status=").append(status);
    if (!error.isEmpty()) {
      text.append(" error=").append(error);
    }
    if (!message.isEmpty()) {
      text.append(" message=\"").append(message).append('"');
    }
    if (status == 401) {
      text.append("; check the agent token (--token or TETHER_AGENT_TOKEN): `./tether token agent"
          + " --function ").append(function).append("` prints a fresh one");
    } else if (status == 403) {
      text.append("; the agent token does not allow function=").append(function);
    }
    return text.toString();
  }

  private static String clip(String text) {
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "…";
  }
}
