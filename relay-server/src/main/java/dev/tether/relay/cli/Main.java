package dev.tether.relay.cli;

import dev.tether.relay.cli.Cli;

/** The relay's command line: {@code relay}, {@code token user|agent} and {@code demo}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String logFormat = System.getenv("TETHER_LOG_FORMAT");
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      System.err.println("tether: TETHER_LOG_FORMAT must be text or json, was '" + logFormat + "'");
      System.exit(2);
    }
    int status = Cli.run(args, System.out, System.err);
    if (status != Cli.KEEP_RUNNING) {
      System.exit(status);
    }
  }
}
