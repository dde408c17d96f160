package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Jackson trees ({@link JsonNode}) to and from the streaming API, for the one message that carries
 * free-form JSON ({@link TunnelMessage.Crash}): its node classes load only when a crash report
 * passes, and no {@code ObjectMapper} ever does. Numbers become the nodes data binding would make.
 */
final class JsonTree {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTree() {}

  /** A tree of a value read by {@link JsonFields}. */
  static JsonNode of(Object value) {
    if (value instanceof JsonFields object) {
      ObjectNode node = NODES.objectNode();
      for (Map.Entry<String, Object> field : object.values().entrySet()) {
        node.set(field.getKey(), of(field.getValue()));
      }
      return node;
    }
    if (value instanceof List<?> list) {
      ArrayNode node = NODES.arrayNode(list.size());
      for (Object element : list) {
        node.add(of(element));
      }
      return node;
    }
    if (value instanceof String text) {
      return NODES.textNode(text);
    }
    if (value instanceof Boolean bool) {
      return NODES.booleanNode(bool);
    }
    if (value instanceof Integer number) {
      return NODES.numberNode(number);
    }
    if (value instanceof Long number) {
      return NODES.numberNode(number);
    }
    if (value instanceof BigInteger number) {
      return NODES.numberNode(number);
    }
    if (value instanceof Double number) {
      return NODES.numberNode(number);
    }
    return NODES.nullNode();
  }

  /** Writes {@code node} as data binding would (a null reference as JSON null). */
  static void write(JsonGenerator json, JsonNode node) throws IOException {
    if (node == null || node.isNull() || node.isMissingNode()) {
      json.writeNull();
    } else if (node.isObject()) {
      json.writeStartObject();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        json.writeFieldName(field.getKey());
        write(json, field.getValue());
      }
      json.writeEndObject();
    } else if (node.isArray()) {
      json.writeStartArray();
      for (JsonNode element : node) {
        write(json, element);
      }
      json.writeEndArray();
    } else if (node.isTextual()) {
      json.writeString(node.textValue());
    } else if (node.isBoolean()) {
      json.writeBoolean(node.booleanValue());
    } else if (node.isNumber()) {
      switch (node.numberType()) {
        case INT -> json.writeNumber(node.intValue());
        case LONG -> json.writeNumber(node.longValue());
        case BIG_INTEGER -> json.writeNumber(node.bigIntegerValue());
        case BIG_DECIMAL -> json.writeNumber(node.decimalValue());
        case FLOAT -> json.writeNumber(node.floatValue());
        default -> json.writeNumber(node.doubleValue());
      }
    } else if (node.isBinary()) {
      json.writeBinary(node.binaryValue());
    } else {
      json.writeString(node.asText()); // a POJO node: never made by this codebase
    }
  }
}
