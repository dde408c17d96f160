package dev.tether.relay.session;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an admin sees of one session: the rows of {@code /api/admin/sessions}, and in a cluster the
 * entry a node writes to Redis so the other nodes can list it.
 */
public final class SessionView {
  private SessionView() {}

  public static Map<String, Object> of(Session session) {
    Session.Snapshot now = session.snapshot();
    SessionTraffic traffic = session.traffic();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("sessionId", session.id());
    view.put("user", session.subject());
    view.put("issuer", session.owner().issuer());
    view.put("function", session.function());
    view.put("instance", session.instance());
    view.put("mode", session.mode().claim());
    view.put("state", now.state().wire());
    view.put("since", session.createdAt().toString());
    view.put("attachedAt", now.attachedAt() == null ? null : now.attachedAt().toString());
    view.put("expiresAt", session.expiresAt().toString());
    view.put("messages", Map.of("toTarget", traffic.messagesToTarget(),
        "toClient", traffic.messagesToClient()));
    view.put("bytes", Map.of("toTarget", traffic.bytesToTarget(),
        "toClient", traffic.bytesToClient()));
    if (now.endReason() != null) {
      view.put("endReason", now.endReason().wire());
      view.put("endMessage", now.endMessage());
    }
    return view;
  }
}
