package dev.tether.relay.auth;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Set;

/**
 * A verified user: who they are (the issuer that vouches for them and their subject there), their
 * role, the function globs they may debug and the session modes they may open. Admins may debug
 * everything.
 */
public record UserPrincipal(
    String issuer, String subject, Role role, List<String> functions, Set<Mode> modes) {
  public UserPrincipal {
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalArgumentException("issuer is required");
    }
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("subject is required");
    }
    if (role == null) {
      throw new IllegalArgumentException("role is required");
    }
    functions = List.copyOf(functions);
    modes = modes.isEmpty() ? Set.of(Mode.FULL, Mode.READONLY) : Set.copyOf(modes);
  }

  /** Issuer and subject: what session ownership and per-user limits compare. */
  public UserId id() {
    return new UserId(issuer, subject);
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  /** True when one of the user's globs ({@code *}, {@code orders-*}, {@code billing}) matches. */
  public boolean mayDebug(String function) {
    if (isAdmin()) {
      return true;
    }
    for (String glob : functions) {
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      if (!function.contains("/") && matcher.matches(Path.of(function))) {
        return true;
      }
    }
    return false;
  }

  public boolean mayOpen(Mode mode) {
    return modes.contains(mode);
  }
}
