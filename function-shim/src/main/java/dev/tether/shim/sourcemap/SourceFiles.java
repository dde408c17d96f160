package dev.tether.shim.sourcemap;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The files one DevTools session may read from the function's disk: only source maps that a
 * loaded script names ({@code sourceMapURL} of {@code Debugger.scriptParsed}) and the sources those
 * maps name, only as {@code file:} URLs under the function's code directory (symbolic links
 * resolved), and only up to {@link #MAX_FILE_BYTES}. Everything else is refused with a reason.
 *
 * <p>Open files are read in chunks at an offset and never held in memory, so a session costs a
 * few paths and at most {@link #MAX_OPEN} handles.
 */
final class SourceFiles {
  static final long MAX_FILE_BYTES = 8L * 1024 * 1024;
  static final int MAX_CHUNK = 48 * 1024;
  static final int MAX_OPEN = 8;
  /** Bounds the allow-lists of one session (a function with thousands of bundles is unusual). */
  static final int MAX_KNOWN = 4096;
  static final String HANDLE_PREFIX = "tether-file-";

  private final Path codeDirectory;
  private final Set<URI> maps = new LinkedHashSet<>();
  private final Set<URI> sources = new LinkedHashSet<>();
  private final Map<String, OpenFile> open = new HashMap<>();
  private int lastHandle;

  SourceFiles(Path codeDirectory) {
    this.codeDirectory = codeDirectory;
  }

  /** What a load or a read came to. */
  sealed interface Outcome {}

  /** The file is open as {@code handle}. */
  record Opened(String handle, long size) implements Outcome {}

  /** A chunk of an open file; {@code eof} when nothing follows. */
  record Chunk(byte[] data, boolean eof) implements Outcome {}

  /** Not served, and why (for the CDP error). */
  record Refused(String reason) implements Outcome {}

  /** A script was parsed; the map it names (resolved against the script's URL) may be read. */
  void scriptParsed(String scriptUrl, String sourceMapUrl) {
    if (sourceMapUrl == null || sourceMapUrl.isEmpty() || sourceMapUrl.startsWith("data:")) {
      return;
    }
    URI map = resolve(fileUri(scriptUrl), sourceMapUrl);
    if (map != null && "file".equals(map.getScheme()) && maps.size() < MAX_KNOWN) {
      maps.add(map);
    }
  }

  /** Opens {@code url} if this session may read it. */
  Outcome load(String url) {
    URI uri;
    try {
      uri = URI.create(url).normalize();
    } catch (IllegalArgumentException e) {
      return new Refused("not a URL: " + e.getMessage());
    }
    if (!"file".equals(uri.getScheme())) {
      return new Refused("the shim serves only file: URLs of source maps and their sources");
    }
    boolean isMap = maps.contains(uri);
    if (!isMap && !sources.contains(uri)) {
      return new Refused(url + " is neither a source map a loaded script names nor a source of"
          + " one; the shim serves no other file");
    }
    Path real;
    long size;
    try {
      real = Path.of(uri).toRealPath();
      if (!real.startsWith(codeDirectory)) {
        return new Refused(url + " is outside the function's code directory");
      }
      if (!Files.isRegularFile(real)) {
        return new Refused(url + " is not a regular file");
      }
      size = Files.size(real);
    } catch (IOException | IllegalArgumentException e) {
      return new Refused(url + " cannot be read: " + e.getMessage());
    }
    if (size > MAX_FILE_BYTES) {
      return new Refused(url + " has " + size + " bytes, more than the shim serves ("
          + MAX_FILE_BYTES + ")");
    }
    if (open.size() >= MAX_OPEN) {
      return new Refused("too many files open in this session; close some with IO.close");
    }
    if (isMap) {
      learnSources(uri, real);
    }
    String handle = HANDLE_PREFIX + ++lastHandle;
    open.put(handle, new OpenFile(real, size));
    return new Opened(handle, size);
  }

  /** Reads up to {@code size} bytes (bounded by {@link #MAX_CHUNK}) of an open file. */
  Outcome read(String handle, Integer size) {
    OpenFile file = open.get(handle);
    if (file == null) {
      return new Refused("no open file " + handle);
    }
    int want = size == null || size <= 0 ? MAX_CHUNK : Math.min(size, MAX_CHUNK);
    int left = (int) Math.max(0, file.size - file.offset);
    ByteBuffer buffer = ByteBuffer.allocate(Math.min(want, left));
    try (FileChannel channel = FileChannel.open(file.path, StandardOpenOption.READ)) {
      while (buffer.hasRemaining()) {
        int read = channel.read(buffer, file.offset + buffer.position());
        if (read < 0) {
          break;
        }
      }
    } catch (IOException e) {
      return new Refused(handle + " cannot be read: " + e.getMessage());
    }
    file.offset += buffer.position();
    byte[] data = new byte[buffer.position()];
    buffer.flip().get(data);
    return new Chunk(data, file.offset >= file.size);
  }

  /** Closes an open file; false when there was none. */
  boolean close(String handle) {
    return open.remove(handle) != null;
  }

  private void learnSources(URI mapUri, Path map) {
    try {
      JsonNode tree = ResourceCommands.mapper().readTree(map.toFile());
      String root = tree.path("sourceRoot").asText("");
      for (JsonNode source : tree.path("sources")) {
        String name = root.isEmpty() || source.asText().contains(":")
            ? source.asText() : root + (root.endsWith("/") ? "" : "/") + source.asText();
        URI resolved = resolve(mapUri, name);
        if (resolved != null && "file".equals(resolved.getScheme())
            && sources.size() < MAX_KNOWN) {
          sources.add(resolved);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not a map DevTools can use either; it is still served as it is.
    }
  }

  /** A script URL as a file: URI; Node names CommonJS scripts by path on some versions. */
  private static URI fileUri(String scriptUrl) {
    try {
      return scriptUrl.startsWith("/") ? Path.of(scriptUrl).toUri() : URI.create(scriptUrl);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static URI resolve(URI base, String reference) {
    if (base == null) {
      return null;
    }
    try {
      return base.resolve(URI.create(reference)).normalize();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static final class OpenFile {
    final Path path;
    final long size;
    long offset;

    OpenFile(Path path, long size) {
      this.path = path;
      this.size = size;
    }
  }
}
