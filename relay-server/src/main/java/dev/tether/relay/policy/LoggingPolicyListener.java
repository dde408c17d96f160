package dev.tether.relay.policy;

import dev.tether.relay.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default {@link PolicyListener}: a log line per refusal (INFO) and warning (WARN). */
final class LoggingPolicyListener implements PolicyListener {
  private static final Logger LOG = LoggerFactory.getLogger("dev.tether.relay.policy");

  @Override
  public void denied(Session session, String method, String reason, String message) {
    LOG.info("policy denied {} method={} reason={}", session, method, reason);
  }

  @Override
  public void warning(Session session, String code, String message) {
    LOG.warn("policy warning {} code={} message=\"{}\"", session, code, message);
  }
}
