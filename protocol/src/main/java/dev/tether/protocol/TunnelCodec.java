package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Encodes and decodes {@link TunnelMessage}s as the JSON of a text frame. */
public final class TunnelCodec {
  /** Control messages are small; anything bigger is a broken or hostile peer. */
  public static final int MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private TunnelCodec() {}

  public static String encode(TunnelMessage message) {
    try {
      return MAPPER.writerFor(TunnelMessage.class).writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
    }
  }

  public static TunnelMessage decode(String json) throws ProtocolException {
    if (json.length() > MAX_CONTROL_MESSAGE_BYTES) {
      throw new ProtocolException(
          "control message of " + json.length() + " chars exceeds " + MAX_CONTROL_MESSAGE_BYTES);
    }
    try {
      return MAPPER.readValue(json, TunnelMessage.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ProtocolException("invalid control message: " + rootMessage(e), e);
    }
  }

  public static TunnelMessage decode(ByteBuffer utf8) throws ProtocolException {
    return decode(StandardCharsets.UTF_8.decode(utf8.slice()).toString());
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
