package dev.tether.relay.cdp;

import java.util.List;

/**
 * What the relay read from one DevTools message, once, for audit, policy and routing.
 *
 * <p>For a small command the audit records, the data path may leave the audit's details unread
 * ({@link UnreadDetails}); {@link #code()}, {@link #params()} and {@link #paramsCut()} then read
 * them from the message's bytes on first use, so every caller sees the same values either way.
 *
 * @param id the command's id (never null: a message without one is refused)
 * @param method the command's method (never null)
 * @param sessionId the flattened CDP session the command is for, or null
 * @param code every code-carrying parameter, whatever its position and size
 * @param params the other parameters as compact JSON, bounded; null when they were not kept (the
 *     command does not run code, or its params came before its method)
 * @param paramsCut true when {@code params} was cut at the bound
 * @param bytes the message's size in bytes
 * @param target what the {@code Target} domain routes by, in {@code params}
 * @param unread the message's bytes when {@code code}, {@code params} and {@code paramsCut} are
 *     still to be read from them; else null
 */
public record ReadCommand(
    long id, String method, String sessionId, List<CodeArgument> code, String params,
    boolean paramsCut, long bytes, TargetParams target, UnreadDetails unread) {

  public ReadCommand(
      long id, String method, String sessionId, List<CodeArgument> code, String params,
      boolean paramsCut, long bytes, TargetParams target) {
    this(id, method, sessionId, code, params, paramsCut, bytes, target, null);
  }

  @Override
  public List<CodeArgument> code() {
    return unread == null ? code : unread.read().code();
  }

  @Override
  public String params() {
    return unread == null ? params : unread.read().params();
  }

  @Override
  public boolean paramsCut() {
    return unread == null ? paramsCut : unread.read().paramsCut();
  }

  /** True when the audit's details are still to be read from the message's bytes. */
  public boolean detailsUnread() {
    return unread != null;
  }

  /** The code argument of that name, or null. */
  public CodeArgument code(String name) {
    for (CodeArgument argument : code()) {
      if (argument.name().equals(name)) {
        return argument;
      }
    }
    return null;
  }
}
