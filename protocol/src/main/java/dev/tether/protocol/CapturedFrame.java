package dev.tether.protocol;

/** One frame of a snapshot's call stack: 1-based {@code line} and {@code column}, as people read them. */
public record CapturedFrame(String function, String url, int line, int column) {
  public CapturedFrame {
    function = function == null || function.isEmpty() ? "(anonymous)" : function;
    url = url == null ? "" : url;
  }
}
