package dev.tether.relay.auth;

import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.protocol.FunctionName;
import dev.tether.protocol.SafeText;
import dev.tether.protocol.TokenClaims;
import java.nio.file.FileSystems;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Reads principals and tickets out of verified claims, refusing any claim of the wrong shape:
 * a role that is not developer/admin, a glob that does not compile, an unknown mode, a malformed
 * function name, or text with control characters or line separators (which would reach logs).
 */
final class PrincipalClaims {
  private static final int MAX_TEXT = 256;
  private static final int MAX_GLOBS = 1000;

  private PrincipalClaims() {}

  static UserPrincipal user(JWTClaimsSet claims) throws AuthException {
    TokenKind kind = TokenKind.USER;
    String subject = text(claims, JWTClaimNames.SUBJECT, kind);
    Role role = Role.fromClaim(optionalString(claims, TokenClaims.ROLE));
    if (role == null) {
      throw invalid(
          "the user token carries no valid role claim (developer or admin); " + kind.remedy());
    }
    List<String> globs = stringList(claims, TokenClaims.FUNCTIONS);
    if (globs == null || globs.size() > MAX_GLOBS) {
      throw invalid("the user token carries no valid functions claim; " + kind.remedy());
    }
    for (String glob : globs) {
      checkGlob(glob);
    }
    Set<Mode> modes = EnumSet.noneOf(Mode.class);
    if (claims.getClaims().containsKey(TokenClaims.MODES)) {
      List<String> values = stringList(claims, TokenClaims.MODES);
      if (values == null || values.isEmpty()) {
        throw invalid(
            "the user token's modes claim must list full and/or readonly; " + kind.remedy());
      }
      for (String value : values) {
        modes.add(mode(value, kind));
      }
    }
    // The verifier accepted the token only from this exact issuer (the relay or the IdP).
    return new UserPrincipal(claims.getIssuer(), subject, role, globs, modes);
  }

  static AgentPrincipal agent(JWTClaimsSet claims) throws AuthException {
    TokenKind kind = TokenKind.AGENT;
    String function = text(claims, TokenClaims.FUNCTION, kind);
    if (!FunctionName.isValid(function)) {
      throw invalid("the agent token's function claim is not a valid function name ("
          + FunctionName.DESCRIPTION + "); " + kind.remedy());
    }
    return new AgentPrincipal(function, claims.getJWTID());
  }

  static Ticket ticket(JWTClaimsSet claims) throws AuthException {
    TokenKind kind = TokenKind.TICKET;
    return new Ticket(
        text(claims, JWTClaimNames.JWT_ID, kind),
        text(claims, TokenClaims.SESSION, kind),
        text(claims, JWTClaimNames.SUBJECT, kind),
        text(claims, TokenClaims.FUNCTION, kind),
        text(claims, TokenClaims.INSTANCE, kind),
        mode(optionalString(claims, TokenClaims.MODE), kind),
        claims.getExpirationTime().toInstant());
  }

  private static Mode mode(String value, TokenKind kind) throws AuthException {
    Mode mode = Mode.fromClaim(value);
    if (mode == null) {
      throw invalid("the " + kind.label() + " names an unknown session mode; " + kind.remedy());
    }
    return mode;
  }

  private static void checkGlob(String glob) throws AuthException {
    // A glob matches function names, which never hold a slash or a control character.
    boolean ok = glob != null && !glob.isBlank() && glob.length() <= MAX_TEXT
        && SafeText.isSafe(glob) && !glob.contains("/") && !glob.contains("\\");
    if (ok) {
      try {
        FileSystems.getDefault().getPathMatcher("glob:" + glob);
      } catch (IllegalArgumentException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw invalid(
          "the user token's functions claim holds an invalid glob; " + TokenKind.USER.remedy());
    }
  }

  private static String text(JWTClaimsSet claims, String name, TokenKind kind)
      throws AuthException {
    String value = optionalString(claims, name);
    if (value == null || value.isBlank() || value.length() > MAX_TEXT || hasControl(value)) {
      throw invalid(
          "the " + kind.label() + " carries no valid " + name + " claim; " + kind.remedy());
    }
    return value;
  }

  private static String optionalString(JWTClaimsSet claims, String name) {
    try {
      return claims.getStringClaim(name);
    } catch (ParseException e) {
      return null;
    }
  }

  private static List<String> stringList(JWTClaimsSet claims, String name) {
    try {
      return claims.getStringListClaim(name);
    } catch (ParseException e) {
      return null;
    }
  }

  private static boolean hasControl(String value) {
    return !SafeText.isSafe(value);
  }

  private static AuthException invalid(String message) {
    return new AuthException(401, "invalid_token", message);
  }
}
