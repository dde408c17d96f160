package dev.tether.relay.connect;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;

/** The bridges that are open now, so stopping {@code tether connect} ends their sessions too. */
final class Bridges {
  private final Set<Bridge> open = ConcurrentHashMap.newKeySet();

  void add(Bridge bridge) {
    open.add(bridge);
    bridge.onEnd(() -> open.remove(bridge));
  }

  int size() {
    return open.size();
  }

  /** Closes every bridge and waits (a little) until the relay was told to end each session. */
  void shutdown(String reason) {
    List<Bridge> all = List.copyOf(open);
    all.forEach(bridge -> bridge.shutdown(reason));
    try {
      CompletableFuture.allOf(all.stream().map(Bridge::sessionEnded)
          .toArray(CompletableFuture[]::new)).get(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the relay will expire those sessions itself
    }
  }
}
