package dev.tether.relay.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.relay.auth.Mode;
import dev.tether.relay.auth.Role;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.auth.TokenIssuer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerTokensTest {
  private static final String ISSUER = "http://tether.test";
  @TempDir Path dir;

  @Test
  void aPeerTokenNamesTheCallingNode() throws Exception {
    PeerTokens tokens = new PeerTokens(SigningKeys.loadOrCreate(dir), ISSUER, Clock.systemUTC());

    assertThat(tokens.verify(tokens.mint("relay-b"))).isEqualTo("relay-b");
  }

  @Test
  void aUserOrAgentTokenOfTheSameKeyIsNoPeerToken() throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dir);
    PeerTokens tokens = new PeerTokens(keys, ISSUER, Clock.systemUTC());
    TokenIssuer issuer = new TokenIssuer(keys, ISSUER, Clock.systemUTC());

    assertThatThrownBy(() -> tokens.verify(issuer.userToken("root", Role.ADMIN, List.of(),
        EnumSet.allOf(Mode.class), Duration.ofHours(1)))).hasMessageContaining("not a peer token");
    assertThatThrownBy(() -> tokens.verify(issuer.agentToken("orders", Duration.ofHours(1))))
        .hasMessageContaining("not a peer token");
  }

  @Test
  void anotherClustersKeyAnExpiredTokenAndAnotherIssuerAreRefused() throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dir.resolve("a"));
    PeerTokens ours = new PeerTokens(keys, ISSUER, Clock.systemUTC());
    PeerTokens theirs =
        new PeerTokens(SigningKeys.loadOrCreate(dir.resolve("b")), ISSUER, Clock.systemUTC());
    PeerTokens earlier = new PeerTokens(keys, ISSUER,
        Clock.fixed(Instant.now().minus(Duration.ofMinutes(5)), ZoneOffset.UTC));
    PeerTokens elsewhere = new PeerTokens(keys, "http://other.test", Clock.systemUTC());

    assertThatThrownBy(() -> ours.verify(theirs.mint("x"))).hasMessageContaining("key");
    assertThatThrownBy(() -> ours.verify(earlier.mint("x"))).hasMessageContaining("expired");
    assertThatThrownBy(() -> ours.verify(elsewhere.mint("x"))).hasMessageContaining("issuer");
  }
}
