package dev.tether.protocol;

/**
 * The JWT vocabulary of Tether's three token kinds. Each kind has its own {@code typ} header and
 * audience, so none is ever accepted as another.
 */
public final class TokenClaims {
  public static final String TYP_USER = "tether-user+jwt";
  public static final String TYP_AGENT = "tether-agent+jwt";
  public static final String TYP_TICKET = "tether-ticket+jwt";

  public static final String AUD_USER = "tether:api";
  public static final String AUD_AGENT = "tether:agent";
  public static final String AUD_TICKET = "tether:devtools";

  /** User tokens: {@code developer} or {@code admin}. */
  public static final String ROLE = "role";
  /** User tokens: the function name globs the user may debug, e.g. {@code ["orders-*"]}. */
  public static final String FUNCTIONS = "functions";
  /** User tokens: the session modes the user may open ({@code full}, {@code readonly}). */
  public static final String MODES = "modes";
  /** Agent tokens and tickets: the one function name. */
  public static final String FUNCTION = "function";
  /** Tickets: the session the ticket attaches to. */
  public static final String SESSION = "sid";
  /** Tickets: the instance the session debugs. */
  public static final String INSTANCE = "instance";
  /** Tickets: the session mode. */
  public static final String MODE = "mode";

  private TokenClaims() {}
}
