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
      Map.entry(TunnelMessage.Crash.class, "crash"),
      Map.entry(TunnelMessage.SnapshotPoints.class, "snapshot-points"),
      Map.entry(TunnelMessage.SnapshotHit.class, "snapshot-hit"),
      Map.entry(TunnelMessage.SnapshotDisabled.class, "snapshot-disabled"),
      Map.entry(TunnelMessage.ScriptsRequest.class, "scripts-request"),
      Map.entry(TunnelMessage.Scripts.class, "scripts"),
      Map.entry(TunnelMessage.Attach.class, "attach"),
      Map.entry(TunnelMessage.Refused.class, "refused"),
      Map.entry(TunnelMessage.OpenInstance.class, "open-instance"));

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
    } else if (message instanceof TunnelMessage.Attach m) {
      json.writeNumberField("stream", m.stream());
      json.writeStringField("ticket", m.ticket());
      json.writeStringField("client", m.client());
      json.writeNumberField("window", m.window());
    } else if (message instanceof TunnelMessage.OpenInstance m) {
      json.writeNumberField("stream", m.stream());
      json.writeStringField("function", m.function());
      json.writeStringField("instance", m.instance());
      json.writeStringField("session", m.session());
      json.writeStringField("user", m.user());
      json.writeStringField("mode", m.mode());
      json.writeNumberField("window", m.window());
    } else if (message instanceof TunnelMessage.Refused m) {
      json.writeNumberField("stream", m.stream());
      json.writeNumberField("status", m.status());
      json.writeStringField("error", m.error());
      json.writeStringField("message", m.message());
    } else if (message instanceof TunnelMessage.Credit m) {
      json.writeNumberField("stream", m.stream());
      json.writeNumberField("bytes", m.bytes());
      json.writeNumberField("ack", m.ack());
    } else if (message instanceof TunnelMessage.Crash m) {
      json.writeNumberField("exitCode", m.exitCode());
      json.writeFieldName("report");
      JsonTree.write(json, m.report());
    } else if (message instanceof TunnelMessage.SnapshotPoints m) {
      json.writeArrayFieldStart("points");
      for (SnapshotPoint p : m.points()) {
        json.writeStartObject();
        json.writeStringField("id", p.id());
        json.writeStringField("url", p.url());
        json.writeNumberField("line", p.line());
        json.writeStringField("condition", p.condition());
        json.writeStringField("log", p.log());
        json.writeNumberField("maxHits", p.maxHits());
        json.writeEndObject();
      }
      json.writeEndArray();
      writeStrings(json, "redact", m.redact());
      json.writeNumberField("hitsPerSecond", m.hitsPerSecond());
      json.writeNumberField("pauseMsPerSecond", m.pauseMsPerSecond());
    } else if (message instanceof TunnelMessage.SnapshotHit m) {
      json.writeStringField("point", m.point());
      json.writeNumberField("at", m.at());
      json.writeNumberField("pauseMs", m.pauseMs());
      json.writeArrayFieldStart("stack");
      for (CapturedFrame frame : m.stack()) {
        json.writeStartObject();
        json.writeStringField("function", frame.function());
        json.writeStringField("url", frame.url());
        json.writeNumberField("line", frame.line());
        json.writeNumberField("column", frame.column());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeFieldName("scopes");
      JsonTree.write(json, m.scopes());
      json.writeStringField("log", m.log());
      json.writeBooleanField("cut", m.cut());
      json.writeNumberField("dropped", m.dropped());
    } else if (message instanceof TunnelMessage.SnapshotDisabled m) {
      json.writeStringField("point", m.point());
      json.writeStringField("reason", m.reason());
    } else if (message instanceof TunnelMessage.ScriptsRequest m) {
      json.writeNumberField("request", m.request());
    } else if (message instanceof TunnelMessage.Scripts m) {
      json.writeNumberField("request", m.request());
      writeStrings(json, "urls", m.urls());
      json.writeStringField("error", m.error());
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
      case "attach" -> new TunnelMessage.Attach(f.int32("stream"), f.text("ticket"),
          f.text("client"), f.int64("window"));
      case "open-instance" -> new TunnelMessage.OpenInstance(f.int32("stream"),
          f.text("function"), f.text("instance"), f.text("session"), f.text("user"),
          f.text("mode"), f.int64("window"));
      case "refused" -> new TunnelMessage.Refused(f.int32("stream"), f.int32("status"),
          f.text("error"), f.text("message"));
      case "credit" -> new TunnelMessage.Credit(f.int32("stream"), f.int64("bytes"),
          f.int64("ack"));
      case "crash" -> new TunnelMessage.Crash(f.int32("exitCode"), f.tree("report"));
      case "snapshot-points" -> new TunnelMessage.SnapshotPoints(
          f.list("points", TunnelCodec::point), f.texts("redact"), f.int32("hitsPerSecond"),
          f.float64("pauseMsPerSecond"));
      case "snapshot-hit" -> new TunnelMessage.SnapshotHit(f.text("point"), f.int64("at"),
          f.float64("pauseMs"), f.list("stack", TunnelCodec::frame), f.tree("scopes"),
          f.text("log"), f.bool("cut"), f.int32("dropped"));
      case "snapshot-disabled" ->
          new TunnelMessage.SnapshotDisabled(f.text("point"), f.text("reason"));
      case "scripts-request" -> new TunnelMessage.ScriptsRequest(f.int32("request"));
      case "scripts" ->
          new TunnelMessage.Scripts(f.int32("request"), f.texts("urls"), f.text("error"));
      default -> throw new ProtocolException("unknown type '" + SafeText.escape(type.length() <= 40 ? type : type.substring(0, 40) + "…") + "'");
    };
  }

  private static Target target(JsonFields f) throws ProtocolException {
    return new Target(f.text("id"), f.text("type"), f.text("title"), f.text("url"));
  }

  private static SnapshotPoint point(JsonFields f) throws ProtocolException {
    return new SnapshotPoint(f.text("id"), f.text("url"), f.int32("line"), f.text("condition"),
        f.text("log"), f.int32("maxHits"));
  }

  private static CapturedFrame frame(JsonFields f) throws ProtocolException {
    return new CapturedFrame(f.text("function"), f.text("url"), f.int32("line"),
        f.int32("column"));
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
