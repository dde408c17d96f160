package dev.tether.protocol;

import java.util.regex.Pattern;

/**
 * The one shape a function name has everywhere in Tether (agent tokens, the tunnel's hello, the
 * API, the CLI): a letter or digit, then letters, digits, {@code . _ : -}, at most 200 in all.
 * Names like AWS Lambda's ({@code orders-api}, {@code orders:prod}) fit; slashes, spaces and
 * control characters do not, so a name is always safe in a path segment, a glob match and a log.
 */
public final class FunctionName {
  public static final int MAX_LENGTH = 200;
  private static final Pattern SHAPE =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0," + (MAX_LENGTH - 1) + "}");

  /** What a valid name looks like, for error messages. */
  public static final String DESCRIPTION =
      "a function name starts with a letter or digit and holds only letters, digits, '.', '_',"
          + " ':' and '-' (at most " + MAX_LENGTH + " characters), e.g. orders-api";

  private FunctionName() {}

  public static boolean isValid(String name) {
    return name != null && SHAPE.matcher(name).matches();
  }
}
