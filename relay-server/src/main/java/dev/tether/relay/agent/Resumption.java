package dev.tether.relay.agent;

import dev.tether.protocol.CloseCodes;
import dev.tether.protocol.ProtocolException;
import dev.tether.protocol.StreamPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a resuming connection does with the streams it takes over: those the shim still has
 * resume from the shim's positions; one whose open the shim never saw is opened again; the others
 * ended while the tunnel was down. Built before the welcome (whose positions it supplies), carried
 * out after it.
 */
final class Resumption {
  private final Map<TunnelStream, StreamPosition> resumed = new LinkedHashMap<>();
  private final List<StreamPosition> positions = new ArrayList<>();
  private final List<TunnelStream> reopen = new ArrayList<>();
  private final List<TunnelStream> gone = new ArrayList<>();

  private Resumption() {}

  /** Sorts {@code taken} by what the shim says it still has, moving them to {@code tunnel}. */
  static Resumption of(AgentTunnel tunnel, List<TunnelStream> taken, List<StreamPosition> shim) {
    Map<Integer, StreamPosition> shimHas = new HashMap<>();
    shim.forEach(p -> shimHas.put(p.stream(), p));
    Resumption resumption = new Resumption();
    for (TunnelStream stream : taken) {
      StreamPosition position = shimHas.get(stream.id());
      if (position != null) {
        resumption.resumed.put(stream, position);
        resumption.positions.add(stream.takeOver(tunnel));
      } else if (stream.awaitsOpened()) {
        resumption.reopen.add(stream);
      } else {
        resumption.gone.add(stream);
      }
    }
    return resumption;
  }

  /** The streams that live on, on the new connection. */
  List<TunnelStream> kept() {
    List<TunnelStream> kept = new ArrayList<>(resumed.keySet());
    kept.addAll(reopen);
    return kept;
  }

  /** The relay's positions of the resumed streams, for the welcome. */
  List<StreamPosition> positions() {
    return positions;
  }

  int resumedCount() {
    return resumed.size();
  }

  /** The new connection could not register after all: the adopted sessions end. */
  void abandon() {
    for (TunnelStream stream : kept()) {
      stream.onClosed(CloseCodes.AGENT_LOST, "the instance's connection was lost while resuming");
    }
  }

  /** After the welcome: sends again what the shim missed, reopens, and ends what is gone. */
  void replay(AgentTunnel tunnel) throws ProtocolException {
    for (Map.Entry<TunnelStream, StreamPosition> entry : resumed.entrySet()) {
      entry.getKey().resumeOn(tunnel, entry.getValue());
    }
    reopen.forEach(stream -> stream.reopenOn(tunnel));
    for (TunnelStream stream : gone) {
      stream.onClosed(CloseCodes.TARGET_GONE,
          "the inspector session ended while the tunnel was down; start a new session");
    }
  }
}
