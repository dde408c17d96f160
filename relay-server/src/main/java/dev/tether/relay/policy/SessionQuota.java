package dev.tether.relay.policy;

import dev.tether.relay.auth.UserId;
import dev.tether.relay.http.ApiError;
import dev.tether.relay.session.Session;
import dev.tether.relay.session.Sessions;
import java.util.function.Supplier;

/**
 * Caps live sessions per user (issuer and subject) and per function instance. Counting and creating happen under one
 * lock, so two racing requests cannot both take the last place.
 */
public final class SessionQuota {
  private final Sessions sessions;
  private final int perUser;
  private final int perInstance;

  SessionQuota(Sessions sessions, int perUser, int perInstance) {
    this.sessions = sessions;
    this.perUser = perUser;
    this.perInstance = perInstance;
  }

  /** Creates a session with {@code create} if both caps allow it; otherwise a 429 error. */
  public synchronized Session admit(
      UserId owner, String function, String instance, Supplier<Session> create) {
    int mine = 0;
    int onInstance = 0;
    for (Session live : sessions.live()) {
      if (live.owner().equals(owner)) {
        mine++;
      }
      if (live.function().equals(function) && live.instance().equals(instance)) {
        onInstance++;
      }
    }
    if (mine >= perUser) {
      throw new ApiError(429, "too_many_sessions",
          owner.subject() + " already has " + mine + " live sessions (the limit is " + perUser
              + "); end one with DELETE /api/sessions/{id} or close its DevTools and wait for it"
              + " to expire");
    }
    if (onInstance >= perInstance) {
      throw new ApiError(429, "instance_busy",
          "instance " + instance + " of " + function + " already carries " + onInstance
              + " sessions (the limit is " + perInstance + "); try another instance or later");
    }
    return create.get();
  }
}
