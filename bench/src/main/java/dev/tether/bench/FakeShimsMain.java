package dev.tether.bench;

import io.netty.channel.Channel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A child process of B13 that holds one slice of the simulated shims, so that no process holds
 * all 20,000 sockets (the sandbox's hard open-file limit is 20,000 per process). It reads one
 * command a line on stdin and answers on stdout, and exits as soon as its stdin closes: the bench
 * that started it ended, however it ended. Arguments: the handshakes it keeps under way at once,
 * and the function its shims register.
 *
 * <p>Commands: {@code relay I URL TOKEN} names target I (the token goes over the pipe, never on a
 * command line); {@code connect I,J,… NAME,NAME,…} connects the names round-robin over those
 * targets as a shim would (a refused or timed-out handshake is tried again, up to 5 rounds) and
 * answers {@code progress N} every 1,000 welcomed, {@code phase tcp|upgrade|welcome V V …}
 * (nanoseconds, one value per handshake) and then {@code done CONNECTED RETRIED}, or
 * {@code failed LEFT RETRIED}; {@code exit} ends it.
 */
public final class FakeShimsMain {
  private static final PrintStream OUT = System.out;
  private final int inFlight;
  private final String function;
  private final Map<Integer, String[]> relays = new ConcurrentHashMap<>();
  /** Every simulated shim set this process opened: their sockets live until it exits. */
  private final List<FakeShims> open = new ArrayList<>();
  private final AtomicInteger welcomed = new AtomicInteger();

  private FakeShimsMain(int inFlight, String function) {
    this.inFlight = inFlight;
    this.function = function;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: FakeShimsMain IN_FLIGHT FUNCTION (started by B13, not by hand)");
      System.exit(2);
    }
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          commands.add(line);
        }
      } catch (IOException e) {
        // the pipe broke: the same as its end
      }
      Runtime.getRuntime().halt(0); // the bench is gone: leave nothing running behind it
    }, "fake-shims-stdin");
    reader.setDaemon(true);
    reader.start();
    new FakeShimsMain(Integer.parseInt(args[0]), args[1]).serve(commands);
  }

  private void serve(BlockingQueue<String> commands) throws Exception {
    say("ready " + inFlight);
    while (true) {
      String[] command = commands.take().split(" ");
      switch (command[0]) {
        case "relay" -> relays.put(Integer.parseInt(command[1]),
            new String[] {command[2], command[3]});
        case "connect" -> connect(Arrays.stream(command[1].split(",")).map(Integer::parseInt)
            .toList(), List.of(command[2].split(",")));
        case "exit" -> {
          open.forEach(FakeShims::close);
          Runtime.getRuntime().halt(0);
        }
        default -> say("unknown " + command[0]);
      }
    }
  }

  private void connect(List<Integer> targetIds, List<String> names) throws Exception {
    List<FakeShims> targets = new ArrayList<>();
    for (int id : targetIds) {
      String[] relay = relays.get(id);
      FakeShims shims = new FakeShims(URI.create(relay[0]), relay[1], function);
      targets.add(shims);
      open.add(shims);
    }
    welcomed.set(0);
    int retried = 0;
    List<String> left = names;
    List<Channel> channels = new ArrayList<>(names.size());
    for (int round = 0; round < 5 && !left.isEmpty(); round++) {
      Semaphore slots = new Semaphore(inFlight);
      List<CompletableFuture<Channel>> all = new ArrayList<>(left.size());
      for (int i = 0; i < left.size(); i++) {
        slots.acquire();
        CompletableFuture<Channel> one = targets.get(i % targets.size()).connect(left.get(i));
        one.whenComplete((c, e) -> {
          slots.release();
          if (e == null && welcomed.incrementAndGet() % 1000 == 0) {
            say("progress " + welcomed.get());
          }
        });
        all.add(one);
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null).orTimeout(300, TimeUnit.SECONDS).join();
      List<String> failed = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).isCompletedExceptionally()) {
          failed.add(left.get(i));
        } else {
          channels.add(all.get(i).join());
        }
      }
      retried += failed.size();
      left = failed;
    }
    phase("tcp", targets, s -> s.tcp);
    phase("upgrade", targets, s -> s.upgrade);
    phase("welcome", targets, s -> s.welcome);
    say(left.isEmpty() ? "done " + channels.size() + " " + retried
        : "failed " + left.size() + " " + retried);
  }

  private static void phase(String name, List<FakeShims> targets,
      Function<FakeShims, Samples> which) {
    StringBuilder line = new StringBuilder("phase ").append(name);
    for (FakeShims shims : targets) {
      for (long v : which.apply(shims).sorted()) {
        line.append(' ').append(v);
      }
    }
    say(line.toString());
  }

  private static void say(String line) {
    synchronized (OUT) {
      OUT.println(line);
      OUT.flush();
    }
  }
}
