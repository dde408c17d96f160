package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads the top-level {@code id} and {@code method} of one CDP message with Jackson's non-blocking
 * parser, fed chunk by chunk, without building a tree or copying the message. It stops as soon as
 * both are known or the top-level object ends, so a 5 MB {@code params} is skipped token by token
 * only when {@code id}/{@code method} come after it (DevTools sends them first).
 *
 * <p>One peeker serves one message; it is not thread-safe.
 */
public final class CdpPeeker {
  private static final JsonFactory FACTORY = new JsonFactory();

  private final JsonParser parser;
  private final ByteBufferFeeder feeder;
  private Long id;
  private String method;
  private int depth;
  private String field;
  private boolean done;
  private boolean malformed;

  public CdpPeeker() {
    try {
      parser = FACTORY.createNonBlockingByteBufferParser();
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
    }
    feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
  }

  /** Peeks a whole message held in one buffer; the buffer's position is not moved. */
  public static CdpEnvelope peek(ByteBuffer message) {
    CdpPeeker peeker = new CdpPeeker();
    if (!peeker.feed(message)) {
      peeker.finish();
    }
    return peeker.envelope();
  }

  /** Tells the peeker the message is complete, so a trailing top-level scalar is recognised. */
  public void finish() {
    if (done) {
      return;
    }
    feeder.endOfInput();
    try {
      JsonToken token;
      while (!done && (token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
        onToken(token);
      }
    } catch (IOException e) {
      malformed = true;
    }
    done = true;
  }

  /**
   * Feeds the next chunk (the buffer's position is not moved). Returns true once nothing more is
   * needed: both fields seen, the object ended, or the input is not a JSON object.
   */
  public boolean feed(ByteBuffer chunk) {
    if (done || !chunk.hasRemaining()) {
      return done;
    }
    try {
      feeder.feedInput(chunk.duplicate());
      JsonToken token;
      while (!done && (token = parser.nextToken()) != JsonToken.NOT_AVAILABLE && token != null) {
        onToken(token);
      }
    } catch (IOException e) {
      malformed = true;
      done = true;
    }
    return done;
  }

  /** What was learned so far; {@code id}/{@code method} are null when absent. */
  public CdpEnvelope envelope() {
    return new CdpEnvelope(id, method, malformed);
  }

  private void onToken(JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT, START_ARRAY -> {
        if (depth == 0 && token == JsonToken.START_ARRAY) {
          malformed = true;
          done = true;
          return;
        }
        depth++;
      }
      case END_OBJECT, END_ARRAY -> {
        depth--;
        if (depth == 0) {
          done = true;
        }
      }
      case FIELD_NAME -> {
        if (depth == 1) {
          field = parser.currentName();
        }
      }
      default -> {
        if (depth == 0) {
          malformed = true;
          done = true;
        } else if (depth == 1) {
          readTopLevelValue(token);
        }
      }
    }
    if (id != null && method != null) {
      done = true;
    }
  }

  private void readTopLevelValue(JsonToken token) throws IOException {
    if ("id".equals(field) && token == JsonToken.VALUE_NUMBER_INT) {
      id = parser.getLongValue();
    } else if ("method".equals(field) && token == JsonToken.VALUE_STRING) {
      method = parser.getText();
    }
  }
}
