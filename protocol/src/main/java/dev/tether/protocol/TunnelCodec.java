package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes {@link TunnelMessage}s as the JSON of a text frame, with Jackson's streaming
 * API: no data binding, so a shim that only keeps a tunnel open loads a few dozen Jackson classes
 * instead of several hundred (a function may have 128 MB in all; BENCHMARKS.md B8).
 *
 * <p>The wire format is the one data binding wrote: {@code type} first, then the record's
 * components in declaration order, {@code null} written as {@code null}. Reading is stricter:
 * unknown fields are skipped (a newer peer), but a field of the wrong JSON type, a number that is
 * not an integer of the field's range, a duplicate field, a missing or null primitive, or
 * anything after the object is refused.
 *
 * <p>Adding a message: the record under {@link TunnelMessage} with its {@code @JsonSubTypes}
 * entry, then one line in {@link #TYPES} (the same name), one {@code if} in {@link #writeFields}
 * and one {@code case} in {@link #read}; {@code TunnelCodecTest} fails until all three exist.
 */
public final class TunnelCodec {
  /** Control messages are small; anything bigger is a broken or hostile peer. */
  public static final int MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;

  /** The {@code type} of each message, as {@code @JsonSubTypes} on {@link TunnelMessage} names it. */
  static final Map<Class<? extends TunnelMessage>, String> TYPES = Map.ofEntries(
      Map.entry(TunnelMessage.Hello.class, "hello"),
      Map.entry(TunnelMessage.Welcome.class, "welcome"),
      Map.entry(TunnelMessage.TargetsChanged.class, "targets"),
      Map.entry(TunnelMessage.Open.class, "open"),
      Map.entry(TunnelMessage.Opened.class, "opened"),
      Map.entry(TunnelMessage.Close.class, "close"),
      Map.entry(TunnelMessage.Credit.class, "credit"),
      Map.entry(TunnelMessage.Crash.class, "crash"));

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private TunnelCodec() {}

  public static String encode(TunnelMessage message) {
    String type = TYPES.get(message.getClass());
    if (type == null) {
      throw new IllegalStateException("no type name for " + message.getClass().getSimpleName()
          + "; add it to TunnelCodec.TYPES");
    }
    StringWriter out = new StringWriter(128);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("type", type);
      writeFields(json, message);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + type, e); // a StringWriter does not fail
    }
    return out.toString();
  }

  public static TunnelMessage decode(String json) throws ProtocolException {
    if (json.length() > MAX_CONTROL_MESSAGE_BYTES) {
      throw new ProtocolException(
          "control message of " + json.length() + " chars exceeds " + MAX_CONTROL_MESSAGE_BYTES);
    }
    try (JsonParser parser = JSON.createParser(json)) {
      JsonFields fields = JsonFields.readObject(parser, parser.nextToken());
      if (parser.nextToken() != null) {
        throw new ProtocolException("unexpected content after the message");
      }
      return read(fields);
    } catch (JsonProcessingException e) {
      throw new ProtocolException("invalid control message: " + e.getOriginalMessage(), e);
    } catch (ProtocolException e) {
      throw new ProtocolException("invalid control message: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("invalid control message: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ProtocolException("invalid control message: " + e.getMessage(), e);
    }
  }

  public static TunnelMessage decode(ByteBuffer utf8) throws ProtocolException {
    return decode(StandardCharsets.UTF_8.decode(utf8.slice()).toString());
  }

  /** The components of {@code message}, in declaration order, after its type. */
  private static void writeFields(JsonGenerator json, TunnelMessage message) throws IOException {
    if (message instanceof TunnelMessage.Hello m) {
      json.writeStringField("function", m.function());
      json.writeStringField("instance", m.instance());
      json.writeStringField("runtime", m.runtime());
      writeTargets(json, m.targets());
      writeStrings(json, "capabilities", m.capabilities());
      json.writeStringField("shimVersion", m.shimVersion());
      json.writeBooleanField("resume", m.resume());
      writePositions(json, m.streams());
      json.writeStringField("resumeSecret", m.resumeSecret());
    } else if (message instanceof TunnelMessage.Welcome m) {
      json.writeStringField("instance", m.instance());
      json.writeNumberField("heartbeatSeconds", m.heartbeatSeconds());
      json.writeNumberField("graceSeconds", m.graceSeconds());
      json.writeBooleanField("resumed", m.resumed());
      writePositions(json, m.streams());
      json.writeStringField("resumeSecret", m.resumeSecret());
      json.writeBooleanField("hold", m.hold());
    } else if (message instanceof TunnelMessage.TargetsChanged m) {
      writeTargets(json, m.targets());
    } else if (message instanceof TunnelMessage.Open m) {
      json.writeNumberField("stream", m.stream());
      json.writeStringField("target", m.target());
      json.writeStringField("session", m.session());
      json.writeNumberField("window", m.window());
    } else if (message instanceof TunnelMessage.Opened m) {
      json.writeNumberField("stream", m.stream());
      json.writeNumberField("window", m.window());
    } else if (message instanceof TunnelMessage.Close m) {
      json.writeNumberField("stream", m.stream());
      json.writeNumberField("code", m.code());
      json.writeStringField("reason", m.reason());
    } else if (message instanceof TunnelMessage.Credit m) {
      json.writeNumberField("stream", m.stream());
      json.writeNumberField("bytes", m.bytes());
      json.writeNumberField("ack", m.ack());
    } else if (message instanceof TunnelMessage.Crash m) {
      json.writeNumberField("exitCode", m.exitCode());
      json.writeFieldName("report");
      JsonTree.write(json, m.report());
    } else {
      throw new IllegalStateException("TunnelCodec cannot write "
          + message.getClass().getSimpleName() + " yet; add it to writeFields");
    }
  }

  private static TunnelMessage read(JsonFields f) throws ProtocolException {
    String type = f.text("type");
    if (type == null) {
      throw new ProtocolException("missing type");
    }
    return switch (type) {
      case "hello" -> new TunnelMessage.Hello(f.text("function"), f.text("instance"),
          f.text("runtime"), f.list("targets", TunnelCodec::target), f.texts("capabilities"),
          f.text("shimVersion"), f.bool("resume"), f.list("streams", TunnelCodec::position),
          f.text("resumeSecret"));
      case "welcome" -> new TunnelMessage.Welcome(f.text("instance"),
          f.int64("heartbeatSeconds"), f.int64("graceSeconds"), f.bool("resumed"),
          f.list("streams", TunnelCodec::position), f.text("resumeSecret"),
          f.optionalBool("hold"));
      case "targets" -> new TunnelMessage.TargetsChanged(f.list("targets", TunnelCodec::target));
      case "open" -> new TunnelMessage.Open(f.int32("stream"), f.text("target"),
          f.text("session"), f.int64("window"));
      case "opened" -> new TunnelMessage.Opened(f.int32("stream"), f.int64("window"));
      case "close" -> new TunnelMessage.Close(f.int32("stream"), f.int32("code"),
          f.text("reason"));
      case "credit" -> new TunnelMessage.Credit(f.int32("stream"), f.int64("bytes"),
          f.int64("ack"));
      case "crash" -> new TunnelMessage.Crash(f.int32("exitCode"), f.tree("report"));
      default -> throw new ProtocolException("unknown type '" + SafeText.escape(type.length() <= 40 ? type : type.substring(0, 40) + "…") + "'");
    };
  }

  private static Target target(JsonFields f) throws ProtocolException {
    return new Target(f.text("id"), f.text("type"), f.text("title"), f.text("url"));
  }

  private static StreamPosition position(JsonFields f) throws ProtocolException {
    return new StreamPosition(f.int32("stream"), f.int64("received"), f.int64("credited"));
  }

  private static void writeTargets(JsonGenerator json, List<Target> targets) throws IOException {
    json.writeArrayFieldStart("targets");
    for (Target t : targets) {
      json.writeStartObject();
      json.writeStringField("id", t.id());
      json.writeStringField("type", t.type());
      json.writeStringField("title", t.title());
      json.writeStringField("url", t.url());
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  private static void writePositions(JsonGenerator json, List<StreamPosition> positions)
      throws IOException {
    json.writeArrayFieldStart("streams");
    for (StreamPosition p : positions) {
      json.writeStartObject();
      json.writeNumberField("stream", p.stream());
      json.writeNumberField("received", p.received());
      json.writeNumberField("credited", p.credited());
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  private static void writeStrings(JsonGenerator json, String name, List<String> values)
      throws IOException {
    json.writeArrayFieldStart(name);
    for (String value : values) {
      json.writeString(value);
    }
    json.writeEndArray();
  }
}
