package dev.tether.relay.cdp;

import java.nio.ByteBuffer;
import java.util.function.Predicate;

/**
 * The audit's details of one small command (its code arguments, their hashes and its kept params)
 * left unread on the data path: the message's bytes, read again by {@link CommandReader} only when
 * someone asks for the details, which the audit does on its writer thread. A console command then
 * costs the DevTools socket's thread one copy of its few hundred bytes instead of the strings,
 * the hash and the params text; what the audit records is the same, since the same reader reads
 * the same bytes.
 *
 * <p>Only whole messages of at most the audit's text bound are left unread, so the bytes kept are
 * never more than the params text the audit would have kept; the details are read once, by
 * whichever thread asks first.
 */
public final class UnreadDetails {
  /** One reader per thread that completes details (the audit writer), reused message after message. */
  private static final ThreadLocal<CommandReader> READERS = new ThreadLocal<>();

  private final byte[] message;
  private final int maxTextChars;
  private final Predicate<String> keepsParams;
  private volatile ReadCommand read;

  UnreadDetails(byte[] message, int maxTextChars, Predicate<String> keepsParams) {
    this.message = message;
    this.maxTextChars = maxTextChars;
    this.keepsParams = keepsParams;
  }

  /** The command as a reader that reads every detail reads it. */
  ReadCommand read() {
    ReadCommand done = read;
    if (done != null) {
      return done;
    }
    CommandReader reader = READERS.get();
    if (reader == null || !reader.sameRecipe(maxTextChars, keepsParams)) {
      reader = new CommandReader(maxTextChars, keepsParams);
      READERS.set(reader);
    }
    reader.next();
    done = reader.feed(ByteBuffer.wrap(message)) ? reader.finish() : null;
    if (done == null) {
      // The same bytes read cleanly on the data path; a different answer is a bug in the reader.
      throw new IllegalStateException("a command that read cleanly failed its second reading: "
          + reader.problem());
    }
    read = done;
    return done;
  }

  /** The message's size in bytes (what the data path kept for the audit). */
  int size() {
    return message.length;
  }
}
