package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON object of a control message, read whole with the streaming parser (messages are at
 * most 64 KiB), so fields may come in any order; typed getters refuse what a field of that type
 * cannot hold. Values are kept as {@code String}, {@code Boolean}, {@code Integer}, {@code Long},
 * {@code BigInteger}, {@code Double}, {@link #NULL}, {@code List} and nested {@code JsonFields}.
 */
final class JsonFields {
  /** A JSON {@code null} (a missing field is no entry at all). */
  static final Object NULL = new Object();

  private final Map<String, Object> values = new LinkedHashMap<>();

  /** A reader of one element of a list field. */
  interface Reader<T> {
    T read(JsonFields fields) throws ProtocolException;
  }

  private JsonFields() {}

  /** Reads the object that starts at {@code first}, the token the parser stands on. */
  static JsonFields readObject(JsonParser parser, JsonToken first)
      throws IOException, ProtocolException {
    if (first != JsonToken.START_OBJECT) {
      throw new ProtocolException("a control message is a JSON object");
    }
    JsonFields fields = new JsonFields();
    for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
      fields.values.put(name, readValue(parser, parser.nextToken()));
    }
    return fields;
  }

  private static Object readValue(JsonParser parser, JsonToken token)
      throws IOException, ProtocolException {
    switch (token) {
      case START_OBJECT:
        return readObject(parser, token);
      case START_ARRAY:
        List<Object> list = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          list.add(readValue(parser, t));
        }
        return list;
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return switch (parser.getNumberType()) {
          case INT -> parser.getIntValue();
          case LONG -> parser.getLongValue();
          default -> parser.getBigIntegerValue();
        };
      case VALUE_NUMBER_FLOAT:
        return parser.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return NULL;
      default:
        throw new ProtocolException("unexpected " + token);
    }
  }

  /** A string field; null when absent or null. */
  String text(String name) throws ProtocolException {
    Object value = present(name);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw wrongType(name, "a string");
  }

  /** A required boolean field (a record's {@code boolean}). */
  boolean bool(String name) throws ProtocolException {
    Boolean value = optionalBool(name);
    if (value == null) {
      throw new ProtocolException(name + " is required");
    }
    return value;
  }

  /** A boolean field; null when absent or null (a record's {@code Boolean}). */
  Boolean optionalBool(String name) throws ProtocolException {
    Object value = present(name);
    if (value == null || value instanceof Boolean) {
      return (Boolean) value;
    }
    throw wrongType(name, "true or false");
  }

  /** A required integer field that fits an {@code int}. */
  int int32(String name) throws ProtocolException {
    Object value = values.get(name);
    if (value instanceof Integer i) {
      return i;
    }
    throw value == null || value == NULL ? new ProtocolException(name + " is required")
        : wrongType(name, "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
  }

  /** A required integer field that fits a {@code long}. */
  long int64(String name) throws ProtocolException {
    Object value = values.get(name);
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    throw value == null || value == NULL ? new ProtocolException(name + " is required")
        : wrongType(name, "an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
  }

  /** A required number field (an integer or a fraction). */
  double float64(String name) throws ProtocolException {
    Object value = values.get(name);
    if (value instanceof Double || value instanceof Integer || value instanceof Long) {
      return ((Number) value).doubleValue();
    }
    throw value == null || value == NULL ? new ProtocolException(name + " is required")
        : wrongType(name, "a number");
  }

  /** A list of strings; null when absent or null. */
  List<String> texts(String name) throws ProtocolException {
    List<Object> list = array(name);
    if (list == null) {
      return null;
    }
    List<String> texts = new ArrayList<>(list.size());
    for (Object element : list) {
      if (!(element instanceof String text)) {
        throw wrongType(name, "a list of strings");
      }
      texts.add(text);
    }
    return texts;
  }

  /** A list of objects, each read by {@code reader}; null when absent or null. */
  <T> List<T> list(String name, Reader<T> reader) throws ProtocolException {
    List<Object> list = array(name);
    if (list == null) {
      return null;
    }
    List<T> read = new ArrayList<>(list.size());
    for (Object element : list) {
      if (!(element instanceof JsonFields object)) {
        throw wrongType(name, "a list of objects");
      }
      read.add(reader.read(object));
    }
    return read;
  }

  /** Any JSON value as a Jackson tree (data binding's node classes, nothing else of it). */
  JsonNode tree(String name) {
    Object value = values.get(name);
    return value == null ? null : JsonTree.of(value);
  }

  Map<String, Object> values() {
    return values;
  }

  @SuppressWarnings("unchecked")
  private List<Object> array(String name) throws ProtocolException {
    Object value = present(name);
    if (value == null || value instanceof List) {
      return (List<Object>) value;
    }
    throw wrongType(name, "a list");
  }

  private Object present(String name) {
    Object value = values.get(name);
    return value == NULL ? null : value;
  }

  private static ProtocolException wrongType(String name, String expected) {
    return new ProtocolException(name + " must be " + expected);
  }
}
