package dev.tether.relay.cdp;

import java.util.List;

/**
 * What the relay read from one DevTools message, once, for audit, policy and routing.
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
 */
public record ReadCommand(
    long id, String method, String sessionId, List<CodeArgument> code, String params,
    boolean paramsCut, long bytes, TargetParams target) {

  /** The code argument of that name, or null. */
  public CodeArgument code(String name) {
    for (CodeArgument argument : code) {
      if (argument.name().equals(name)) {
        return argument;
      }
    }
    return null;
  }
}
