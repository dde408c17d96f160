package dev.tether.relay.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;

/**
 * Copies the top-level {@code params} of one CDP command into compact JSON text of at most
 * {@code maxChars}, with Jackson's non-blocking parser fed chunk by chunk. It stops parsing as
 * soon as the params object ends or the budget is spent, so a huge argument costs at most the
 * budget. Also notes the {@code condition} param, which decides whether a breakpoint is recorded.
 */
final class ParamsCapture {
  private static final JsonFactory FACTORY = new JsonFactory();

  private final int maxChars;
  private final JsonParser parser;
  private final ByteBufferFeeder feeder;
  private final StringWriter out = new StringWriter();
  private final JsonGenerator generator;
  private int depth;
  private String field;
  private String paramField;
  private boolean inParams;
  private boolean sawParams;
  private boolean done;
  private boolean truncated;
  private String condition;

  ParamsCapture(int maxChars) {
    this.maxChars = maxChars;
    try {
      parser = FACTORY.createNonBlockingByteBufferParser();
      generator = FACTORY.createGenerator(out);
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
    }
    feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
  }

  /** Feeds the next bytes of the message (the buffer's position is not moved); true once done. */
  boolean feed(ByteBuffer chunk) {
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
      truncated = true; // malformed: keep what was read
      done = true;
    }
    return done;
  }

  boolean done() {
    return done;
  }

  boolean truncated() {
    return truncated;
  }

  String condition() {
    return condition;
  }

  /** The captured params as JSON text, cut with "…" when over the budget. */
  String text() {
    try {
      generator.flush();
    } catch (IOException e) {
      truncated = true;
    }
    if (!sawParams) {
      return "{}";
    }
    String text = out.toString();
    if (truncated || text.length() > maxChars) {
      truncated = true;
      return text.substring(0, Math.min(text.length(), maxChars)) + "…";
    }
    return text;
  }

  private void onToken(JsonToken token) throws IOException {
    if (!inParams) {
      switch (token) {
        case START_OBJECT, START_ARRAY -> {
          depth++;
          if (depth == 2 && token == JsonToken.START_OBJECT && "params".equals(field)
              && !sawParams) {
            inParams = true;
            sawParams = true;
            generator.writeStartObject();
          }
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
        default -> { }
      }
      return;
    }
    switch (token) {
      case START_OBJECT -> {
        depth++;
        generator.writeStartObject();
      }
      case START_ARRAY -> {
        depth++;
        generator.writeStartArray();
      }
      case END_OBJECT -> {
        depth--;
        generator.writeEndObject();
        if (depth == 1) {
          inParams = false;
          done = true;
        }
      }
      case END_ARRAY -> {
        depth--;
        generator.writeEndArray();
      }
      case FIELD_NAME -> {
        String name = parser.currentName();
        if (depth == 2) {
          paramField = name;
        }
        generator.writeFieldName(cut(name));
      }
      case VALUE_STRING -> {
        String text = parser.getText();
        if (depth == 2 && "condition".equals(paramField)) {
          condition = cut(text);
        }
        generator.writeString(cut(text));
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> generator.writeNumber(parser.getText());
      case VALUE_TRUE, VALUE_FALSE -> generator.writeBoolean(token == JsonToken.VALUE_TRUE);
      case VALUE_NULL -> generator.writeNull();
      default -> { }
    }
    generator.flush();
    if (out.getBuffer().length() > maxChars) {
      truncated = true;
      done = true;
    }
  }

  private String cut(String text) {
    return text.length() <= maxChars ? text : text.substring(0, maxChars);
  }
}
