package dev.tether.relay.cdp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads one DevTools message, fed frame by frame before any of it is forwarded, the one way V8
 * reads it or not at all: one JSON object in strict UTF-8, no comments, no trailing commas, no
 * single quotes, no byte order mark, no duplicate key at any depth, nothing after it, an integer
 * {@code id} and a string {@code method}. What V8 could read differently from the relay is
 * refused, so the method the audit records and policy judges is the method the function runs.
 *
 * <p>Along the way it keeps every code-carrying parameter ({@link #CODE}) with its length and
 * SHA-256, wherever it stands in the message, and, for the commands {@code keepsParams} names,
 * the other parameters as bounded JSON text. One reader serves one message; not thread-safe.
 */
public final class CommandReader {
  /** Parameters whose value is code run in the function (or a command carried for a worker). */
  public static final Set<String> CODE = Set.of(
      "expression", "functionDeclaration", "condition", "source", "scriptSource", "message");

  private static final JsonFactory STRICT = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // The relay's message-size limit bounds strings; Jackson's own default would refuse a large
      // setScriptSource that V8 accepts.
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
          .build())
      .build();

  private final int maxTextChars;
  private final Predicate<String> keepsParams;
  private final JsonParser parser;
  private final ByteBufferFeeder feeder;
  private final StrictUtf8 utf8 = new StrictUtf8();
  private final List<CodeArgument> code = new ArrayList<>(1);

  private long bytes;
  private int depth;
  private String topField;
  private String paramField;
  private Long id;
  private String method;
  private String sessionId;
  private boolean ended; // the top-level object closed
  private String problem;
  private boolean sawParams;

  private StringWriter paramsText; // only for commands whose params are kept
  private JsonGenerator params;
  private boolean paramsCut;
  private int skipDepth; // > 0 while skipping a code argument's object or array value
  // What the Target domain routes by (a function session): read here, so it is read once.
  private String targetId;
  private String paramSessionId;
  private Boolean flatten;
  private Boolean discover;
  private String carried;

  public CommandReader(int maxTextChars, Predicate<String> keepsParams) {
    this.maxTextChars = maxTextChars;
    this.keepsParams = keepsParams;
    try {
      parser = STRICT.createNonBlockingByteBufferParser();
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
    }
    feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
  }

  /**
   * Reads the next frame of the message (the buffer's position is not moved). False when the
   * message is refused; {@link #problem()} says why, and nothing more should be fed.
   */
  public boolean feed(ByteBuffer chunk) {
    if (problem != null) {
      return false;
    }
    if (bytes == 0 && chunk.hasRemaining() && (chunk.get(chunk.position()) & 0xFF) == 0xEF) {
      return refuse("it starts with a byte order mark");
    }
    bytes += chunk.remaining();
    if (!utf8.feed(chunk)) {
      return refuse("it is not valid UTF-8");
    }
    if (!chunk.hasRemaining()) {
      return true;
    }
    try {
      feeder.feedInput(chunk.duplicate());
      drain();
    } catch (IOException e) {
      return refuse(describe(e));
    }
    return problem == null;
  }

  /** The message ended: the command as read, or null when it is refused ({@link #problem()}). */
  public ReadCommand finish() {
    if (problem != null) {
      return null;
    }
    if (!utf8.complete()) {
      refuse("it ends in the middle of a UTF-8 character");
      return null;
    }
    feeder.endOfInput();
    try {
      drain();
    } catch (IOException e) {
      refuse(describe(e));
      return null;
    }
    if (problem != null) {
      return null;
    }
    if (!ended) {
      refuse(bytes == 0 ? "it is empty" : "it ends before its JSON object does");
      return null;
    }
    if (id == null) {
      refuse("it has no integer \"id\"");
      return null;
    }
    if (method == null) {
      refuse("it has no \"method\"");
      return null;
    }
    String kept = null;
    if (params != null) {
      try {
        params.flush();
      } catch (IOException e) {
        throw new IllegalStateException("writing to a StringWriter failed", e);
      }
      kept = cut(paramsText.toString());
    } else if (!sawParams && keepsParams.test(method)) {
      kept = "{}"; // a command without params: nothing was left out
    }
    TargetParams target = targetId == null && paramSessionId == null && flatten == null
        && discover == null && carried == null ? TargetParams.NONE
        : new TargetParams(targetId, paramSessionId, flatten, discover, carried);
    return new ReadCommand(id, method, sessionId, List.copyOf(code), kept, paramsCut, bytes,
        target);
  }

  /** The id, once read (for the error that answers a refused message); else null. */
  public Long id() {
    return id;
  }

  /** The method, once read; else null. */
  public String method() {
    return method;
  }

  /** Why the message is refused, in words for the person who sent it; null while it reads well. */
  public String problem() {
    return problem;
  }

  private void drain() throws IOException {
    JsonToken token;
    while (problem == null && (token = parser.nextToken()) != null
        && token != JsonToken.NOT_AVAILABLE) {
      if (ended) {
        refuse("more follows its JSON object");
        return;
      }
      onToken(token);
    }
  }

  private void onToken(JsonToken token) throws IOException {
    if (depth == 0) {
      if (token != JsonToken.START_OBJECT) {
        refuse("it is not a JSON object");
        return;
      }
      depth = 1;
      return;
    }
    if (skipDepth > 0) {
      skipDepth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
      return;
    }
    if (depth == 1) {
      topLevel(token);
    } else {
      inParams(token);
    }
  }

  private void topLevel(JsonToken token) throws IOException {
    switch (token) {
      case FIELD_NAME -> topField = parser.currentName();
      case END_OBJECT -> {
        depth = 0;
        ended = true;
      }
      case START_OBJECT, START_ARRAY -> {
        if ("params".equals(topField) && token == JsonToken.START_OBJECT) {
          depth = 2;
          sawParams = true;
          if (method != null && keepsParams.test(method)) {
            paramsText = new StringWriter();
            params = STRICT.createGenerator(paramsText);
            params.writeStartObject();
          }
        } else if ("id".equals(topField) || "method".equals(topField)
            || "sessionId".equals(topField)) {
          badField();
        } else {
          skipDepth = 1; // another top-level value: read strictly, not kept
        }
      }
      default -> topLevelScalar(token);
    }
  }

  private void topLevelScalar(JsonToken token) throws IOException {
    switch (topField) {
      case "id" -> {
        if (token != JsonToken.VALUE_NUMBER_INT
            || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            || parser.getLongValue() < 0 || parser.getLongValue() > Integer.MAX_VALUE) {
          refuse("its \"id\" is not an integer from 0 to " + Integer.MAX_VALUE);
        } else {
          id = parser.getLongValue();
        }
      }
      case "method" -> {
        if (token != JsonToken.VALUE_STRING || parser.getText().isEmpty()) {
          badField();
        } else {
          method = parser.getText();
        }
      }
      case "sessionId" -> {
        if (token != JsonToken.VALUE_STRING) {
          badField();
        } else {
          sessionId = parser.getText();
        }
      }
      default -> { }
    }
  }

  private void badField() {
    refuse("its \"" + topField + "\" is not " + ("id".equals(topField) ? "an integer"
        : "method".equals(topField) ? "a method name" : "a string"));
  }

  private void inParams(JsonToken token) throws IOException {
    if (depth == 2 && token == JsonToken.FIELD_NAME) {
      paramField = parser.currentName();
      write(token);
      return;
    }
    if (depth == 2 && paramField != null && CODE.contains(paramField)
        && token != JsonToken.END_OBJECT) {
      codeArgument(token);
      return;
    }
    if (depth == 2 && paramField != null && token.isScalarValue()) {
      routing(token);
    }
    if (token.isStructStart()) {
      depth++;
    } else if (token.isStructEnd()) {
      depth--;
    }
    if (depth == 1) { // params closed
      if (params != null) {
        params.writeEndObject();
      }
      return;
    }
    write(token);
  }

  /** Keeps the scalar parameters the Target domain routes by. */
  private void routing(JsonToken token) throws IOException {
    boolean string = token == JsonToken.VALUE_STRING;
    boolean bool = token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
    switch (paramField) {
      case "targetId" -> targetId = string ? parser.getText() : null;
      case "sessionId" -> paramSessionId = string ? parser.getText() : null;
      case "flatten" -> flatten = bool ? token == JsonToken.VALUE_TRUE : null;
      case "discover" -> discover = bool ? token == JsonToken.VALUE_TRUE : null;
      default -> { }
    }
  }

  private void codeArgument(JsonToken token) throws IOException {
    String text;
    if (token == JsonToken.VALUE_STRING) {
      text = parser.getText();
      if ("message".equals(paramField)) {
        carried = text;
      }
    } else if (token.isStructStart()) {
      skipDepth = 1; // V8 refuses a code parameter that is not a string; note its kind only
      text = token == JsonToken.START_OBJECT ? "{…}" : "[…]";
    } else {
      text = parser.getText();
    }
    code.add(new CodeArgument(paramField, text.length() <= maxTextChars ? text
        : text.substring(0, maxTextChars), text.length(), sha256(text),
        text.length() > maxTextChars));
    if (token == JsonToken.VALUE_STRING) {
      write(token);
    } else if (params != null && !paramsCut) {
      params.writeString(text);
    }
  }

  private void write(JsonToken token) throws IOException {
    if (params == null || paramsCut) {
      return;
    }
    switch (token) {
      case START_OBJECT -> params.writeStartObject();
      case START_ARRAY -> params.writeStartArray();
      case END_OBJECT -> params.writeEndObject();
      case END_ARRAY -> params.writeEndArray();
      case FIELD_NAME -> params.writeFieldName(cut(parser.currentName()));
      case VALUE_STRING -> params.writeString(cut(parser.getText()));
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> params.writeNumber(parser.getText());
      case VALUE_TRUE, VALUE_FALSE -> params.writeBoolean(token == JsonToken.VALUE_TRUE);
      case VALUE_NULL -> params.writeNull();
      default -> { }
    }
    params.flush();
    if (paramsText.getBuffer().length() > maxTextChars) {
      paramsCut = true;
    }
  }

  private String cut(String text) {
    if (text.length() <= maxTextChars) {
      return text;
    }
    paramsCut = true;
    return text.substring(0, maxTextChars) + "…";
  }

  private boolean refuse(String why) {
    if (problem == null) {
      problem = "the relay refused this message because " + why + "; send each command as one"
          + " strict JSON object";
    }
    try {
      parser.close();
    } catch (IOException ignored) {
      // nothing was held open
    }
    return false;
  }

  private static String describe(IOException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (message.startsWith("Duplicate field")) {
      return "a key appears twice in one object (" + firstLine(message) + ")";
    }
    return "it is not strict JSON (" + firstLine(message) + ")";
  }

  private static String firstLine(String message) {
    int end = message.indexOf('\n');
    String line = end < 0 ? message : message.substring(0, end);
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
