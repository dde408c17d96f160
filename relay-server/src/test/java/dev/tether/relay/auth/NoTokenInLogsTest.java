package dev.tether.relay.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tether.testkit.clock.MutableClock;
import dev.tether.testkit.token.TokenForge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class NoTokenInLogsTest {
  private final MutableClock clock = MutableClock.atSomeMonday();
  private final SigningKeys keys = SigningKeys.generate();
  private final TokenIssuer issuer = new TokenIssuer(keys, TokenForge.ISSUER, clock);
  private final TokenVerifier verifier =
      new TokenVerifier(AuthConfig.defaults(TokenForge.ISSUER), keys, new TicketReplayCache(clock), clock);
  private final Logger authLogger = (Logger) LoggerFactory.getLogger("dev.tether.relay.auth");
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private Level previousLevel;

  @BeforeEach
  void captureEverythingTheAuthPackageLogs() {
    previousLevel = authLogger.getLevel();
    authLogger.setLevel(Level.TRACE);
    events.start();
    authLogger.addAppender(events);
  }

  @AfterEach
  void stopCapturing() {
    authLogger.detachAppender(events);
    authLogger.setLevel(previousLevel);
  }

  @Test
  void neitherAcceptedNorRefusedTokensAppearInAnyLogLine() {
    String user = issuer.userToken("ada", Role.DEVELOPER, List.of("a-*"), Set.of(), Duration.ofHours(1));
    String agent = issuer.agentToken("a-1", Duration.ofDays(1));
    String ticket = issuer.ticket("s-1", "ada", "a-1", "i-1", Mode.FULL, Duration.ofSeconds(30)).token();
    List<String> tokens = new ArrayList<>(List.of(user, agent, ticket));

    attempt(() -> verifier.verifyUser(user));
    attempt(() -> verifier.verifyAgent(user));
    attempt(() -> verifier.verifyUser(agent));
    attempt(() -> verifier.redeemTicket(ticket));
    attempt(() -> verifier.redeemTicket(ticket));
    attempt(() -> verifier.verifyUser(ticket));
    attempt(() -> verifier.verifyUser(user.substring(0, user.length() - 4) + "AAAA"));
    clock.advance(Duration.ofDays(2));
    attempt(() -> verifier.verifyAgent(agent));

    assertThat(events.list).isNotEmpty();
    for (ILoggingEvent event : events.list) {
      for (String token : tokens) {
        for (String part : token.split("\\.")) {
          assertThat(event.getFormattedMessage()).doesNotContain(part);
        }
      }
    }
  }

  private interface Attempt {
    void run() throws AuthException;
  }

  private static void attempt(Attempt attempt) {
    try {
      attempt.run();
    } catch (AuthException expected) {
      // Refusals are the point here; only the log lines matter.
    }
  }
}
