package dev.tether.relay;

import dev.tether.relay.cli.Cli;

/** The relay's command line: {@code relay}, {@code token user|agent} and {@code demo}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int status = Cli.run(args, System.out, System.err);
    if (status != Cli.KEEP_RUNNING) {
      System.exit(status);
    }
  }
}
