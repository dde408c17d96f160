package dev.tether.shim.crash;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.TunnelMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns a Node.js diagnostic report into what may leave the machine: environment variable values
 * redacted (names kept), the machine's network interfaces and loaded libraries dropped, long lists
 * cut, and then whole sections dropped, least useful first, until it fits one tunnel message.
 * What was dropped is listed under {@code tether.omitted}, so a reader knows the report is partial.
 */
public final class ReportCondenser {
  /** What a redacted environment value reads as. */
  public static final String REDACTED = "[redacted]";

  private static final int MAX_STACK_LINES = 100;
  private static final int MAX_LINE_CHARS = 1000;
  private static final int MAX_LIST_ENTRIES = 50;
  /** Sections dropped in this order while the report is still too large. */
  private static final List<String> EXPENDABLE = List.of(
      "libuv", "nativeStack", "workers", "uvthreadResourceUsage", "userLimits",
      "environmentVariables", "javascriptHeap", "resourceUsage");

  private final ObjectMapper mapper;
  private final int maxBytes;

  public ReportCondenser(ObjectMapper mapper) {
    this(mapper, TunnelMessage.Crash.MAX_REPORT_BYTES);
  }

  ReportCondenser(ObjectMapper mapper, int maxBytes) {
    this.mapper = mapper;
    this.maxBytes = maxBytes;
  }

  /** The condensed copy of {@code report}; the argument is left as it was. */
  public ObjectNode condense(ObjectNode report) {
    ObjectNode out = report.deepCopy();
    List<String> omitted = new ArrayList<>();
    redactEnvironment(out);
    if (out.remove("sharedObjects") != null) {
      omitted.add("sharedObjects");
    }
    if (out.get("header") instanceof ObjectNode header) {
      if (header.remove("networkInterfaces") != null) {
        omitted.add("header.networkInterfaces");
      }
      if (header.get("cpus") instanceof ArrayNode cpus) {
        header.put("cpuCount", cpus.size());
        header.remove("cpus");
      }
    }
    if (out.get("javascriptStack") instanceof ObjectNode stack) {
      cutText(stack, "message");
      if (stack.get("stack") instanceof ArrayNode lines) {
        cut(lines, MAX_STACK_LINES);
        for (int i = 0; i < lines.size(); i++) {
          lines.set(i, mapper.getNodeFactory().textNode(shorten(lines.get(i).asText())));
        }
      }
    }
    if (out.get("libuv") instanceof ArrayNode handles) {
      cut(handles, MAX_LIST_ENTRIES);
    }
    for (String section : EXPENDABLE) {
      if (size(out, omitted) <= maxBytes) {
        break;
      }
      if (out.remove(section) != null) {
        omitted.add(section);
      }
    }
    if (size(out, omitted) > maxBytes) {
      // Only the header and the error are left, and even they are too long: keep their start.
      ObjectNode last = mapper.createObjectNode();
      last.set("javascriptStack", out.get("javascriptStack"));
      if (last.get("javascriptStack") instanceof ObjectNode stack
          && stack.get("stack") instanceof ArrayNode lines) {
        cut(lines, 20);
      }
      omitted.add("header");
      out = last;
    }
    out.putObject("tether").set("omitted", mapper.valueToTree(omitted));
    return out;
  }

  private static void redactEnvironment(ObjectNode report) {
    if (report.get("environmentVariables") instanceof ObjectNode env) {
      Iterator<Map.Entry<String, JsonNode>> fields = env.fields();
      List<String> names = new ArrayList<>();
      fields.forEachRemaining(field -> names.add(field.getKey()));
      names.forEach(name -> env.put(name, REDACTED));
    } else {
      report.remove("environmentVariables");
    }
  }

  private int size(ObjectNode report, List<String> omitted) {
    try {
      // The omitted list is added last; leave it room.
      return mapper.writeValueAsString(report).getBytes(StandardCharsets.UTF_8).length
          + 64 + 32 * omitted.size();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed report cannot be written back", e);
    }
  }

  private static void cut(ArrayNode list, int max) {
    while (list.size() > max) {
      list.remove(list.size() - 1);
    }
  }

  private void cutText(ObjectNode node, String field) {
    if (node.get(field) != null && node.get(field).isTextual()) {
      node.put(field, shorten(node.get(field).asText()));
    }
  }

  private static String shorten(String text) {
    return text.length() <= MAX_LINE_CHARS ? text : text.substring(0, MAX_LINE_CHARS) + "…";
  }
}
