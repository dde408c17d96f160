package dev.tether.relay.cdp;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The keys of every object of one message, so a key that appears twice in one object, at any
 * depth, is refused as Jackson's {@code STRICT_DUPLICATE_DETECTION} refuses it, without the
 * {@code HashSet} Jackson allocates for each object of three keys or more. One open-addressing
 * table serves the whole message (keyed by the object's number and the key); a message whose key
 * hashes collide on purpose moves to a tree, so it costs log time per key, never quadratic.
 * Not thread-safe; {@link #clear()} before each message.
 */
final class ObjectKeys {
  private static final int INITIAL = 64;
  private static final int MAX_PROBES = 32;

  private record Key(int object, String name) implements Comparable<Key> {
    @Override
    public int compareTo(Key other) {
      int byObject = Integer.compare(object, other.object);
      return byObject != 0 ? byObject : name.compareTo(other.name);
    }
  }

  private int[] open = new int[16]; // per nesting level: the object's number, or -1 for an array
  private int level;
  private int objects;
  private int[] owners = new int[INITIAL];
  private String[] names = new String[INITIAL];
  private int used;
  private TreeSet<Key> flooded; // after a burst of colliding hashes, for the rest of the message

  /** Forgets the last message (a table a large message grew is given back). */
  void clear() {
    if (names.length > 16 * INITIAL) {
      owners = new int[INITIAL];
      names = new String[INITIAL];
    } else if (used > 0) {
      Arrays.fill(names, null);
    }
    used = 0;
    level = 0;
    objects = 0;
    flooded = null;
  }

  /** An object or array starts. */
  void start(boolean object) {
    if (level == open.length) {
      open = Arrays.copyOf(open, level * 2);
    }
    open[level++] = object ? objects++ : -1;
  }

  /** The innermost object or array ends. */
  void end() {
    level--;
  }

  /** Adds a key of the innermost object; false when that object has it already. */
  boolean add(String name) {
    int object = open[level - 1];
    if (flooded != null) {
      return flooded.add(new Key(object, name));
    }
    if ((used + 1) * 2 > names.length) {
      grow();
    }
    int mask = names.length - 1;
    int slot = mix(object, name) & mask;
    for (int probes = 0; names[slot] != null; probes++) {
      if (owners[slot] == object && names[slot].equals(name)) {
        return false;
      }
      if (probes == MAX_PROBES) {
        flood();
        return flooded.add(new Key(object, name));
      }
      slot = (slot + 1) & mask;
    }
    owners[slot] = object;
    names[slot] = name;
    used++;
    return true;
  }

  /** True once colliding hashes moved this message's keys to the tree. */
  boolean flooded() {
    return flooded != null;
  }

  private static int mix(int object, String name) {
    int h = name.hashCode() * 31 + object * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  private void grow() {
    int[] oldOwners = owners;
    String[] oldNames = names;
    owners = new int[oldNames.length * 2];
    names = new String[oldNames.length * 2];
    int mask = names.length - 1;
    for (int i = 0; i < oldNames.length; i++) {
      if (oldNames[i] != null) {
        int slot = mix(oldOwners[i], oldNames[i]) & mask;
        while (names[slot] != null) {
          slot = (slot + 1) & mask;
        }
        owners[slot] = oldOwners[i];
        names[slot] = oldNames[i];
      }
    }
  }

  private void flood() {
    flooded = new TreeSet<>();
    for (int i = 0; i < names.length; i++) {
      if (names[i] != null) {
        flooded.add(new Key(owners[i], names[i]));
      }
    }
  }
}
