package dev.tether.relay.cdp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
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
 * the other parameters as bounded JSON text. For a whole message of at most {@code maxTextChars}
 * bytes whose method {@code leavesUnread} names, it keeps the message's bytes instead and leaves
 * those details to be read from them when asked ({@link UnreadDetails}, by the audit's writer):
 * the strict reading, and so every refusal, is the same.
 *
 * <p>One reader serves one connection: {@link #next()} starts each message after the first, and
 * the same Jackson parser reads the successive messages as successive root values, so a message
 * costs what it keeps (its id, method, kept params and code) and not a new parser, symbol table
 * and buffers. The parser's end of input is never signalled for a message that reads well:
 * whatever follows the object inside the same message is found by scanning its bytes, and such a
 * message (or any refused one) is then read to its end exactly as a fresh parser would, and the
 * next message gets a new parser. Not thread-safe.
 */
public final class CommandReader {
  /** Parameters whose value is code run in the function (or a command carried for a worker). */
  public static final Set<String> CODE = Set.of(
      "expression", "functionDeclaration", "condition", "source", "scriptSource", "message");

  // Duplicate keys are refused by ObjectKeys, as STRICT_DUPLICATE_DETECTION would (same point,
  // same words) but without a HashSet per object; the generator writes with this factory too.
  private static final JsonFactory STRICT = JsonFactory.builder()
      // The relay's message-size limit bounds strings; Jackson's own default would refuse a large
      // setScriptSource that V8 accepts.
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
          .build())
      .build();

  /**
   * A parser is replaced after this many bytes: its symbol table learns every distinct key it
   * reads and its text buffer keeps the size of the largest string, so a long-lived or hostile
   * connection must not grow them without end. About 4,500 typical commands per parser.
   */
  static final long RENEW_AFTER_BYTES = 1 << 20;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final int maxTextChars;
  private final Predicate<String> keepsParams;
  private final Predicate<String> leavesUnread;
  private final StrictUtf8 utf8 = new StrictUtf8();
  private final List<CodeArgument> code = new ArrayList<>(1);
  private final RecentStrings names = new RecentStrings(32); // methods and session ids
  private final MessageDigest sha256 = sha256();
  private final byte[] utf8Bytes = new byte[512]; // a code argument's bytes, on their way to the hash
  private final byte[] digest = new byte[32];
  private final char[] hex = new char[64];
  private final StringWriter paramsText = new StringWriter();
  private final ObjectKeys keys = new ObjectKeys();

  private JsonParser parser;
  private ByteBufferFeeder feeder;
  private long parserBytes; // bytes fed to this parser, over all the messages it read
  private boolean reusable; // the last message read well: the parser sits between root values
  private JsonGenerator params; // writes kept params; reused while it sits between root values
  private boolean keeping; // this message's params are kept
  private long objectEnd; // the parser's offset just past this message's closing brace
  private boolean trailing; // something other than whitespace follows the object
  private long wholeBytes = -1; // the message's size when it comes in one chunk, small enough
  private boolean skipped; // the audit's details were left unread (see UnreadDetails)
  private UnreadDetails unread;

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

  private boolean paramsCut;
  private int skipDepth; // > 0 while skipping a code argument's object or array value
  // What the Target domain routes by (a function session): read here, so it is read once.
  private String targetId;
  private String paramSessionId;
  private Boolean flatten;
  private Boolean discover;
  private String carried;

  public CommandReader(int maxTextChars, Predicate<String> keepsParams) {
    this(maxTextChars, keepsParams, method -> false);
  }

  /**
   * A reader that leaves the details of small whole commands {@code leavesUnread} names to be
   * read later ({@link #next(long)}); it must never name a method whose code arguments policy or
   * routing look at on the data path.
   */
  public CommandReader(
      int maxTextChars, Predicate<String> keepsParams, Predicate<String> leavesUnread) {
    this.maxTextChars = maxTextChars;
    this.keepsParams = keepsParams;
    this.leavesUnread = leavesUnread;
    newParser();
  }

  /** True when this reader reads details as one made with these arguments would. */
  boolean sameRecipe(int maxTextChars, Predicate<String> keepsParams) {
    return this.maxTextChars == maxTextChars && this.keepsParams == keepsParams;
  }

  /**
   * Starts the next message, which comes whole in the next {@link #feed} when {@code wholeBytes}
   * is its size (-1 when it may come in several chunks): a small command the reader may leave
   * details of unread then.
   */
  public void next(long wholeBytes) {
    next();
    this.wholeBytes = wholeBytes >= 0 && wholeBytes <= maxTextChars ? wholeBytes : -1;
  }

  /**
   * Starts the next message of the connection: what the last one read is forgotten (a {@link
   * ReadCommand} already returned is not touched). Its parser carries over when the last message
   * read well, so a refused message never reaches into the next one.
   */
  public void next() {
    if (!reusable || parserBytes >= RENEW_AFTER_BYTES) {
      newParser();
    }
    reusable = false;
    if (params != null && !params.getOutputContext().inRoot()) {
      params = null; // cut or refused mid-object: a new generator for the next kept params
    } else if (params != null) {
      try {
        params.flush(); // a refused message's closing brace may still wait in its buffer
      } catch (IOException e) {
        throw new IllegalStateException("writing to a StringWriter failed", e);
      }
    }
    paramsText.getBuffer().setLength(0);
    utf8.reset();
    keys.clear();
    code.clear();
    bytes = 0;
    depth = 0;
    topField = null;
    paramField = null;
    id = null;
    method = null;
    sessionId = null;
    ended = false;
    problem = null;
    sawParams = false;
    keeping = false;
    paramsCut = false;
    skipDepth = 0;
    objectEnd = 0;
    trailing = false;
    targetId = null;
    paramSessionId = null;
    flatten = null;
    discover = null;
    carried = null;
    wholeBytes = -1;
    skipped = false;
    unread = null;
  }

  private void newParser() {
    if (parser != null) {
      try {
        parser.close();
      } catch (IOException ignored) {
        // nothing was held open
      }
    }
    try {
      parser = STRICT.createNonBlockingByteBufferParser();
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
    }
    feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
    parserBytes = 0;
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
    long start = parserBytes;
    try {
      feeder.feedInput(chunk.duplicate());
      parserBytes += chunk.remaining();
      drain();
    } catch (IOException e) {
      return refuse(describe(e));
    }
    if (ended && !trailing && problem == null) {
      trailing = contentAfterObject(chunk, start);
    }
    if (skipped && unread == null && problem == null) {
      if (bytes != wholeBytes) {
        throw new IllegalStateException("next(" + wholeBytes + ") promised the whole message in"
            + " one chunk, but " + bytes + " bytes came");
      }
      byte[] message = new byte[chunk.remaining()];
      chunk.get(chunk.position(), message);
      unread = new UnreadDetails(message, maxTextChars, keepsParams);
    }
    return problem == null;
  }

  /** True while the audit's details of this message are left for later (see the class). */
  private boolean leavingUnread() {
    return wholeBytes >= 0 && method != null && leavesUnread.test(method);
  }

  /** True when the chunk (fed at {@code start}) holds more than whitespace after the object. */
  private boolean contentAfterObject(ByteBuffer chunk, long start) {
    long from = Math.max(objectEnd - start, 0);
    for (int i = chunk.position() + (int) from, end = chunk.limit(); i < end; i++) {
      byte b = chunk.get(i);
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return true;
      }
    }
    return false;
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
    if (!ended || trailing) {
      // Refused either way: read to the end as a fresh parser does, for the same reason.
      feeder.endOfInput();
      try {
        drain();
      } catch (IOException e) {
        refuse(describe(e));
        return null;
      }
      if (problem == null && ended) {
        refuse("more follows its JSON object");
      }
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
    if (keeping) {
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
    reusable = true;
    return new ReadCommand(id, method, sessionId, code.isEmpty() ? List.of() : List.copyOf(code),
        kept, paramsCut, bytes, target, unread);
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
    if (token == JsonToken.FIELD_NAME) {
      if (!keys.add(parser.currentName())) {
        refuse("a key appears twice in one object ("
            + firstLine("Duplicate field '" + parser.currentName() + "'") + ")");
        return;
      }
    } else if (token.isStructStart()) {
      keys.start(token == JsonToken.START_OBJECT);
    } else if (token.isStructEnd()) {
      keys.end();
    }
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
        objectEnd = parser.currentTokenLocation().getByteOffset() + 1;
      }
      case START_OBJECT, START_ARRAY -> {
        if ("params".equals(topField) && token == JsonToken.START_OBJECT) {
          depth = 2;
          sawParams = true;
          if (method != null && keepsParams.test(method) && leavingUnread()) {
            skipped = true; // params and code read later, from the message's bytes
          } else if (method != null && keepsParams.test(method)) {
            keeping = true;
            if (params == null) {
              params = STRICT.createGenerator(paramsText);
              params.setRootValueSeparator(null); // each message's params start a new text
            }
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
        if (token != JsonToken.VALUE_STRING || parser.getTextLength() == 0) {
          badField();
        } else {
          method = recent();
        }
      }
      case "sessionId" -> {
        if (token != JsonToken.VALUE_STRING) {
          badField();
        } else {
          sessionId = recent();
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
      if (skipped) {
        skipDepth = token.isStructStart() ? 1 : 0; // still read strictly, kept later
      } else {
        codeArgument(token);
      }
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
      if (keeping) {
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
        : text.substring(0, maxTextChars), text.length(), hash(text),
        text.length() > maxTextChars));
    if (token == JsonToken.VALUE_STRING) {
      if (keeping && !paramsCut) {
        params.writeString(cut(text));
        flushParams();
      }
    } else if (keeping && !paramsCut) {
      params.writeString(text);
    }
  }

  /** The current string token, as a string this connection sent recently when it is one. */
  private String recent() throws IOException {
    return names.get(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
  }

  private void write(JsonToken token) throws IOException {
    if (!keeping || paramsCut) {
      return;
    }
    switch (token) {
      case START_OBJECT -> params.writeStartObject();
      case START_ARRAY -> params.writeStartArray();
      case END_OBJECT -> params.writeEndObject();
      case END_ARRAY -> params.writeEndArray();
      case FIELD_NAME -> params.writeFieldName(cut(parser.currentName()));
      case VALUE_STRING -> {
        if (parser.getTextLength() <= maxTextChars) { // as it is, without a String of its own
          params.writeString(parser.getTextCharacters(), parser.getTextOffset(),
              parser.getTextLength());
        } else {
          params.writeString(cut(parser.getText()));
        }
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> params.writeNumber(
          parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
      case VALUE_TRUE, VALUE_FALSE -> params.writeBoolean(token == JsonToken.VALUE_TRUE);
      case VALUE_NULL -> params.writeNull();
      default -> { }
    }
    flushParams();
  }

  private void flushParams() throws IOException {
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

  /**
   * The SHA-256 of the text's UTF-8 bytes in lower-case hex, as {@code String.getBytes(UTF_8)}
   * encodes them (a lone surrogate becomes {@code ?}), without a copy of the text.
   */
  private String hash(String text) {
    int n = 0;
    for (int i = 0, length = text.length(); i < length; i++) {
      if (n > utf8Bytes.length - 4) {
        sha256.update(utf8Bytes, 0, n);
        n = 0;
      }
      char c = text.charAt(i);
      if (c < 0x80) {
        utf8Bytes[n++] = (byte) c;
      } else if (c < 0x800) {
        utf8Bytes[n++] = (byte) (0xC0 | c >> 6);
        utf8Bytes[n++] = (byte) (0x80 | c & 0x3F);
      } else if (Character.isHighSurrogate(c) && i + 1 < length
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int point = Character.toCodePoint(c, text.charAt(++i));
        utf8Bytes[n++] = (byte) (0xF0 | point >> 18);
        utf8Bytes[n++] = (byte) (0x80 | point >> 12 & 0x3F);
        utf8Bytes[n++] = (byte) (0x80 | point >> 6 & 0x3F);
        utf8Bytes[n++] = (byte) (0x80 | point & 0x3F);
      } else if (Character.isSurrogate(c)) {
        utf8Bytes[n++] = '?';
      } else {
        utf8Bytes[n++] = (byte) (0xE0 | c >> 12);
        utf8Bytes[n++] = (byte) (0x80 | c >> 6 & 0x3F);
        utf8Bytes[n++] = (byte) (0x80 | c & 0x3F);
      }
    }
    sha256.update(utf8Bytes, 0, n);
    try {
      sha256.digest(digest, 0, digest.length);
    } catch (DigestException e) {
      throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
    }
    for (int i = 0; i < digest.length; i++) {
      hex[2 * i] = HEX[digest[i] >> 4 & 0xF];
      hex[2 * i + 1] = HEX[digest[i] & 0xF];
    }
    return new String(hex);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
