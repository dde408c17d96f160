package dev.tether.shim;

import dev.tether.shim.logging.LogFormat;
import dev.tether.shim.logging.StderrLoggerProvider;
import dev.tether.shim.process.ParentWatch;
import dev.tether.shim.process.SignalForwarder;
import java.io.IOException;

/**
 * {@code tether shim}: reads the command line, starts the {@link Shim}, and in wrap mode exits
 * with the function's exit code after passing it TERM, INT and HUP.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    try {
      LogFormat.named(System.getenv("TETHER_LOG_FORMAT"));
    } catch (IllegalArgumentException e) {
      System.err.println("tether-shim: " + e.getMessage());
      System.exit(2);
    }
    // The shim's few-line stderr logger, not whatever SLF4J binding a class path may hold.
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", StderrLoggerProvider.NAME);
      System.setProperty("slf4j.internal.verbosity", "WARN"); // not "loading provider …"
    }
    if (ShimArguments.wantsHelp(args)) {
      System.out.print(ShimArguments.USAGE);
      return;
    }
    ShimConfig config;
    try {
      config = ShimArguments.parse(args, System.getenv());
    } catch (UsageException e) {
      System.err.println("tether-shim: " + e.getMessage());
      System.err.println("tether-shim: see tether shim --help");
      System.exit(2);
      return;
    }
    Shim shim;
    try {
      shim = Shim.start(config);
    } catch (IOException e) {
      System.err.println(
          "tether-shim: cannot start the function: " + e.getMessage()
              + "; check the command after --");
      System.exit(127);
      return;
    }
    if (config.wraps()) {
      SignalForwarder.install(shim.child());
      ParentWatch.fromEnvironment(System.getenv()).ifPresent(watch -> watch.stopWhenGone(shim.child()));
      int code = shim.childExit().join();
      shim.close();
      System.exit(code);
    } else {
      Runtime.getRuntime().addShutdownHook(new Thread(shim::close, "tether-shim-stop"));
      shim.whenClosed().join();
    }
  }
}
