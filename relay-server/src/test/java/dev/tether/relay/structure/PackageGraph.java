package dev.tether.relay.structure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which package of Tether's sources uses which: read from the source text (imports, and names
 * written out in full), so a circle shows without compiling anything or adding a library.
 */
final class PackageGraph {
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  /** A qualified name of a type: lower-case package parts, then a capitalised type name. */
  private static final Pattern TYPE = Pattern.compile("\\b(dev\\.tether(?:\\.[a-z]\\w*)+)\\.[A-Z]");

  private final Map<String, Set<String>> uses = new TreeMap<>();

  /** The graph of every {@code .java} file under the given source roots that exist. */
  static PackageGraph of(Path... roots) {
    PackageGraph graph = new PackageGraph();
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(root)) {
        files.filter(f -> f.toString().endsWith(".java")).forEach(graph::read);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return graph;
  }

  private void read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher pkg = PACKAGE.matcher(text);
    if (!pkg.find()) {
      return;
    }
    String from = pkg.group(1);
    Set<String> targets = uses.computeIfAbsent(from, k -> new TreeSet<>());
    Matcher type = TYPE.matcher(text);
    while (type.find()) {
      if (!type.group(1).equals(from)) {
        targets.add(type.group(1));
      }
    }
  }

  Set<String> packages() {
    return uses.keySet();
  }

  Set<String> uses(String pkg) {
    return uses.getOrDefault(pkg, Set.of());
  }

  /** One circle, as the packages along it with the first repeated at the end, if there is one. */
  Optional<List<String>> circle() {
    Set<String> done = new HashSet<>();
    for (String start : uses.keySet()) {
      Optional<List<String>> found = circleFrom(start, done);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private Optional<List<String>> circleFrom(String start, Set<String> done) {
    Deque<String> path = new ArrayDeque<>();
    Map<String, Integer> onPath = new HashMap<>();
    Deque<Iterator<String>> next = new ArrayDeque<>();
    push(start, path, onPath, next);
    while (!next.isEmpty()) {
      Iterator<String> it = next.peek();
      if (!it.hasNext()) {
        next.pop();
        done.add(path.peek());
        onPath.remove(path.pop());
        continue;
      }
      String to = it.next();
      if (onPath.containsKey(to)) {
        List<String> walked = new ArrayList<>(path);
        Collections.reverse(walked);
        List<String> circle = new ArrayList<>(walked.subList(onPath.get(to), walked.size()));
        circle.add(to);
        return Optional.of(circle);
      }
      if (!done.contains(to)) {
        push(to, path, onPath, next);
      }
    }
    return Optional.empty();
  }

  private void push(String pkg, Deque<String> path, Map<String, Integer> onPath,
      Deque<Iterator<String>> next) {
    onPath.put(pkg, path.size());
    path.push(pkg);
    next.push(uses(pkg).iterator());
  }
}
