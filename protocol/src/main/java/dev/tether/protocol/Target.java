package dev.tether.protocol;

/**
 * One debuggable target of a function instance, as Node's inspector lists it at {@code /json/list}.
 * The inspector's own WebSocket URL never leaves the shim: the relay knows a target by its id.
 */
public record Target(String id, String type, String title, String url) {
  public Target {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("target id is required");
    }
    type = type == null ? "node" : type;
    title = title == null ? "" : title;
    url = url == null ? "" : url;
  }
}
