package dev.tether.relay.policy;

import dev.tether.relay.session.Session;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link PolicyListener} that remembers what it heard, for assertions. */
final class RecordingListener implements PolicyListener {
  record Event(String sessionId, String kind, String method, String code, String message) {}

  final List<Event> events = new CopyOnWriteArrayList<>();

  @Override
  public void denied(Session session, String method, String reason, String message) {
    events.add(new Event(session.id(), "denied", method, reason, message));
  }

  @Override
  public void warning(Session session, String code, String message) {
    events.add(new Event(session.id(), "warning", null, code, message));
  }

  List<String> codes() {
    return events.stream().map(Event::code).toList();
  }
}
