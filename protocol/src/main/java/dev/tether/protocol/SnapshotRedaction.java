package dev.tether.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The deny-list of snapshot captures: a captured value whose name contains one of its words (case
 * insensitive; {@code apiKey}, {@code X-Auth-Token}, {@code db_password}) is masked. The shim
 * masks before it sends; the relay masks again before it keeps anything, so a shim that did not
 * (an older one, a hostile one) never gets a value stored.
 */
public final class SnapshotRedaction {
  /** The default words; the relay's config may name others. */
  public static final List<String> DEFAULT_WORDS =
      List.of("password", "secret", "token", "authorization", "cookie", "key");
  /** What a masked value reads as. */
  public static final String MASK = "[redacted]";

  private final List<String> words;

  public SnapshotRedaction(List<String> words) {
    List<String> kept = new ArrayList<>(words.size());
    for (String w : words) {
      String word = w.toLowerCase(Locale.ROOT).trim();
      if (!word.isEmpty()) {
        kept.add(word);
      }
    }
    this.words = List.copyOf(kept);
  }

  public List<String> words() {
    return words;
  }

  /** True when a value named {@code name} must not be shown. */
  public boolean denies(String name) {
    if (name == null) {
      return false;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    for (String word : words) {
      if (lower.contains(word)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Masks, in place, every variable of captured {@code scopes} (an array of {@code {variables:
   * [{name, value, children}]}}) whose name is denied, at every depth; returns how many.
   */
  public int mask(JsonNode scopes) {
    int masked = 0;
    if (scopes == null || !scopes.isArray()) {
      return 0;
    }
    for (JsonNode scope : scopes) {
      masked += maskVariables(scope.path("variables"));
    }
    return masked;
  }

  private int maskVariables(JsonNode variables) {
    int masked = 0;
    if (!variables.isArray()) {
      return 0;
    }
    for (JsonNode variable : variables) {
      if (!(variable instanceof ObjectNode object)) {
        continue;
      }
      if (denies(object.path("name").asText(null))) {
        object.put("value", MASK);
        object.put("redacted", true);
        object.remove("children");
        masked++;
      } else {
        masked += maskVariables(object.path("children"));
      }
    }
    return masked;
  }
}
