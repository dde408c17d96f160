package dev.tether.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.relay.audit.AuditConfig;
import dev.tether.relay.auth.ExternalIssuer;
import dev.tether.relay.policy.LimitsFile;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a relay config file (JSON, the {@link RelayConfig} names, durations as {@code "8h"}, sizes
 * as {@code "64MiB"}) into a builder, so command-line flags can override what it says.
 */
public final class RelayConfigFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KNOWN =
      Set.of("host", "port", "dataDir", "publicUrl", "consoleOrigins", "externalIssuer",
          "maxMessageSize", "ticketTtl", "maxSessionDuration", "idleTimeout", "heartbeat",
          "devtoolsKeepAlive", "helloTimeout", "clockSkew", "audit", "limits", "metricsToken",
          "resumeGrace", "abruptCloseGrace", "ticketsPerMinute", "agents", "snapshots");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|kb|mib|mb|gib|gb)?");

  private RelayConfigFile() {}

  /** Loads {@code file}; relative data directories resolve against the working directory. */
  public static RelayConfig.Builder load(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "config file " + file + " is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "config file " + file + " must hold one JSON object, e.g. {\"port\": 9300}");
    }
    try {
      return apply(root, RelayConfig.builder());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config file " + file + ": " + e.getMessage());
    }
  }

  static RelayConfig.Builder apply(JsonNode root, RelayConfig.Builder b) {
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      String name = field.getKey();
      JsonNode value = field.getValue();
      switch (name) {
        case "host" -> b.host(text(name, value));
        case "port" -> b.port(integer(name, value));
        case "dataDir" -> b.dataDir(Path.of(text(name, value)));
        case "publicUrl" -> b.publicUrl(uri(name, text(name, value)));
        case "consoleOrigins" -> b.consoleOrigins(strings(name, value));
        case "externalIssuer" -> b.externalIssuer(issuer(value));
        case "maxMessageSize" -> b.maxMessageBytes(size(name, value));
        case "ticketTtl" -> b.ticketTtl(duration(name, value));
        case "maxSessionDuration" -> b.maxSessionDuration(duration(name, value));
        case "idleTimeout" -> b.idleTimeout(duration(name, value));
        case "heartbeat" -> b.heartbeat(duration(name, value));
        case "devtoolsKeepAlive" -> b.devtoolsKeepAlive(duration(name, value));
        case "helloTimeout" -> b.helloTimeout(duration(name, value));
        case "clockSkew" -> b.clockSkew(duration(name, value));
        case "audit" -> b.audit(AuditConfig.fromJson(value));
        case "limits" -> b.limits(LimitsFile.read(value));
        case "metricsToken" -> b.metricsToken(text(name, value));
        case "resumeGrace" -> b.resumeGrace(duration(name, value));
        case "abruptCloseGrace" -> b.abruptCloseGrace(duration(name, value));
        case "ticketsPerMinute" -> b.ticketsPerMinute(integer(name, value));
        case "agents" -> b.agents(dev.tether.relay.agent.AgentLimits.fromJson(value));
        case "snapshots" -> b.snapshots(dev.tether.relay.snapshot.SnapshotConfig.fromJson(value));
        default -> throw new IllegalArgumentException(
            "unknown setting '" + name + "'; the known ones are " + new java.util.TreeSet<>(KNOWN));
      }
    }
    return b;
  }

  /** Parses {@code 65536}, {@code 64KiB}, {@code 64MiB}, {@code 1GiB} (KB/MB/GB mean the same). */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size; write it like 65536, 512KiB or 64MiB");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    return switch (unit) {
      case "kib", "kb" -> amount * 1024;
      case "mib", "mb" -> amount * 1024 * 1024;
      case "gib", "gb" -> amount * 1024 * 1024 * 1024;
      default -> amount;
    };
  }

  private static ExternalIssuer issuer(JsonNode value) {
    if (!value.isObject()) {
      throw new IllegalArgumentException(
          "externalIssuer must be an object like {\"issuer\": \"https://idp.example.com\","
              + " \"audience\": \"tether\", \"jwks\": \"https://idp.example.com/jwks.json\"}");
    }
    return new ExternalIssuer(
        value.path("issuer").asText(null),
        value.path("audience").asText(null),
        uri("externalIssuer.jwks", value.path("jwks").asText("")));
  }

  private static String text(String name, JsonNode value) {
    if (!value.isTextual()) {
      throw new IllegalArgumentException(name + " must be a string, was " + value);
    }
    return value.asText();
  }

  private static int integer(String name, JsonNode value) {
    if (!value.canConvertToInt()) {
      throw new IllegalArgumentException(name + " must be a whole number, was " + value);
    }
    return value.asInt();
  }

  private static long size(String name, JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.asLong();
    }
    try {
      return parseSize(text(name, value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage());
    }
  }

  private static Duration duration(String name, JsonNode value) {
    try {
      return Durations.parse(text(name, value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage());
    }
  }

  private static URI uri(String name, String value) {
    try {
      return new URI(value);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a URL: '" + value + "'");
    }
  }

  private static List<String> strings(String name, JsonNode value) {
    if (!value.isArray()) {
      throw new IllegalArgumentException(
          name + " must be a list of strings, e.g. [\"https://console.example.com\"]");
    }
    List<String> list = new ArrayList<>();
    value.forEach(item -> list.add(text(name + " entry", item)));
    return list;
  }
}
