package dev.tether.relay.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One JSON object of the config file, read by name. Every key a reader asks for becomes a known
 * key, so {@link #refuseUnknown()} is the one known-key check of the whole file, and adding a
 * setting means reading it, nothing else. Errors name the setting by its full path
 * ({@code limits.sessionsPerUser}).
 */
public final class ConfigSection {
  private final String path;
  private final JsonNode node;
  private final Set<String> known = new TreeSet<>();

  private ConfigSection(String path, JsonNode node) {
    this.path = path;
    this.node = node;
  }

  /** The file's top-level object. */
  static ConfigSection root(JsonNode node) {
    return new ConfigSection("", node);
  }

  /** The object under {@code key}; {@code example} shows what to write when it is no object. */
  public Optional<ConfigSection> section(String key, String example) {
    return value(key).map(v -> {
      if (!v.isObject()) {
        throw new IllegalArgumentException(name(key) + " must be an object like " + example);
      }
      return new ConfigSection(name(key) + ".", v);
    });
  }

  public Optional<String> text(String key) {
    return value(key).map(v -> {
      if (!v.isTextual()) {
        throw new IllegalArgumentException(name(key) + " must be a string, was " + v);
      }
      return v.asText();
    });
  }

  public Optional<Integer> integer(String key) {
    return value(key).map(v -> {
      if (!v.canConvertToInt()) {
        throw new IllegalArgumentException(name(key) + " must be a whole number, was " + v);
      }
      return v.asInt();
    });
  }

  /** A whole number above zero. */
  public Optional<Integer> positive(String key) {
    return value(key).map(v -> {
      if (!v.canConvertToInt() || v.asInt() <= 0) {
        throw new IllegalArgumentException(
            name(key) + " must be a positive whole number, was " + v);
      }
      return v.asInt();
    });
  }

  public Optional<Boolean> bool(String key) {
    return value(key).map(v -> {
      if (!v.isBoolean()) {
        throw new IllegalArgumentException(name(key) + " must be true or false, was " + v);
      }
      return v.asBoolean();
    });
  }

  /** A number of bytes, or a size with its unit ({@link Sizes}). */
  public Optional<Long> size(String key) {
    return value(key).map(v -> {
      if (v.isIntegralNumber()) {
        return v.asLong();
      }
      try {
        return Sizes.parse(v.asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(name(key) + ": " + e.getMessage());
      }
    });
  }

  /** A duration ({@link Durations}). */
  public Optional<Duration> duration(String key) {
    return text(key).map(v -> {
      try {
        return Durations.parse(v);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(name(key) + ": " + e.getMessage());
      }
    });
  }

  public Optional<URI> uri(String key) {
    return text(key).map(v -> {
      try {
        return new URI(v);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(name(key) + " is not a URL: '" + v + "'");
      }
    });
  }

  public Optional<List<String>> strings(String key, String example) {
    return value(key).map(v -> {
      if (!v.isArray()) {
        throw new IllegalArgumentException(
            name(key) + " must be a list of strings, e.g. " + example);
      }
      List<String> list = new ArrayList<>();
      for (JsonNode item : v) {
        if (!item.isTextual()) {
          throw new IllegalArgumentException(name(key) + " entry must be a string, was " + item);
        }
        list.add(item.asText());
      }
      return list;
    });
  }

  /** Fails on the first key no reader asked for, naming the ones it knows. */
  public void refuseUnknown() {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!known.contains(field.getKey())) {
        throw new IllegalArgumentException("unknown setting '" + name(field.getKey())
            + "'; the known ones are " + known);
      }
    }
  }

  private Optional<JsonNode> value(String key) {
    known.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  private String name(String key) {
    return path + key;
  }
}
