package dev.tether.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tether.relay.audit.AuditCode;
import dev.tether.relay.audit.AuditEvent;
import dev.tether.relay.audit.AuditLog;
import dev.tether.relay.audit.AuditRecord;
import dev.tether.relay.audit.FileAuditStore;
import dev.tether.relay.audit.SealSigner;
import dev.tether.relay.audit.SealVerifier;
import dev.tether.relay.audit.Tamper;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.config.AuditConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether audit verify} on a data directory as a relay leaves it, before and after an attack. */
@Timeout(30)
class AuditCommandTest {
  @TempDir Path dataDir;
  @TempDir Path elsewhere;
  private final List<AuditRecord> written = new ArrayList<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** Writes {@code n} events in batches of three, sealed with the data directory's key. */
  private void writeTrail(int n) throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dataDir);
    SealSigner signer = new SealSigner(keys.signer(), keys.keyId(), Clock.systemUTC());
    try (FileAuditStore store = new FileAuditStore(dataDir.resolve("audit"), 1 << 20)) {
      store.open();
      List<AuditRecord> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String prev = written.isEmpty() ? AuditRecord.GENESIS : written.get(i - 1).hash();
        AuditRecord record = AuditRecord.seal(i + 1, prev,
            AuditEvent.of(i % 4 == 3 ? AuditCode.CDP_COMMAND : AuditCode.SESSION_ATTACHED)
                .at(Instant.parse("2025-03-01T10:00:00Z").plusSeconds(i)).actor("u" + (i % 2))
                .build());
        written.add(record);
        batch.add(record);
        if (batch.size() == 3 || i == n - 1) {
          store.append(batch, signer.sign(record.seq(), record.hash()));
          batch = new ArrayList<>();
        }
      }
    }
  }

  /** The attack of issue 10: delete u1's commands, re-hash the rest, rewrite head.json. */
  private void deleteCommandsReHashAndRewriteTheHead() throws Exception {
    List<AuditRecord> kept = written.stream()
        .filter(r -> !(r.text("type").equals("cdp.command") && r.text("actor").equals("u1")))
        .toList();
    List<String> forged = Tamper.rechain(kept);
    Path audit = dataDir.resolve("audit");
    Files.writeString(audit.resolve("audit-000001.jsonl"), String.join("\n", forged) + "\n");
    AuditRecord last = AuditRecord.parse(forged.get(forged.size() - 1));
    Files.writeString(audit.resolve("head.json"),
        "{\"seq\":" + last.seq() + ",\"hash\":\"" + last.hash() + "\"}\n");
  }

  private int verify(String... extra) {
    List<String> argv = new ArrayList<>(List.of("audit", "verify", "--data-dir",
        dataDir.toString()));
    argv.addAll(List.of(extra));
    return Cli.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aRewriteThatTheRelaySealedOverAtItsNextStartStillFailsUntilSomeoneAcceptsTheNote()
      throws Exception {
    writeTrail(12);
    deleteCommandsReHashAndRewriteTheHead();
    Path audit = dataDir.resolve("audit");
    Files.delete(audit.resolve("head.json")); // the attacker also removes every seal
    try (var seals = Files.list(audit)) {
      for (Path file : seals.filter(f -> f.toString().endsWith(".seals")).toList()) {
        Files.delete(file);
      }
    }
    assertThat(verify()).as("before the relay starts again").isEqualTo(1);

    // The relay starts again: it notes the unsigned end and seals on, over the rewrite.
    SigningKeys keys = SigningKeys.loadOrCreate(dataDir);
    AuditLog.start(new FileAuditStore(audit, 1 << 20), AuditConfig.defaults(),
        new SealSigner(keys.signer(), keys.keyId(), Clock.systemUTC()),
        SealVerifier.fromJwkSet(keys.publicJwkSetJson()), Clock.systemUTC()).close();
    out.reset();
    err.reset();

    assertThat(verify()).isEqualTo(1);
    assertThat(err()).contains("audit trail NOT VOUCHED FOR: record 10",
        "found records it had not signed", "--accept-unsigned 10");
    err.reset();
    assertThat(verify("--accept-unsigned", "10")).as("someone who knows why accepts it").isZero();
  }

  @Test
  void anIntactTrailExitsZeroAndSaysWhenItsHeadWasSignedAndByWhichKey() throws Exception {
    writeTrail(9);

    assertThat(verify()).isZero();

    String kid = SigningKeys.loadOrCreate(dataDir).keyId();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("audit trail intact: 9 records, last 9, signed at ", "by key " + kid);
  }

  @Test
  void theAttackOfIssueTenFailsNamingTheFirstDeletedRecord() throws Exception {
    writeTrail(12); // u1 ran the commands 4, 8 and 12; batches end at 3, 6, 9, 12

    deleteCommandsReHashAndRewriteTheHead();

    assertThat(verify()).isEqualTo(1);
    assertThat(err()).contains("audit trail BROKEN: record 4 at audit-000001.jsonl line 4",
        "can no longer be vouched for", "is not the record the relay signed",
        "(3 records before it are intact");
  }

  @Test
  void withTheRelaysPublishedKeysVerifyCatchesAnAttackerWhoAlsoReplacedTheKeyFile()
      throws Exception {
    writeTrail(6);
    String genuineJwks = SigningKeys.loadOrCreate(dataDir).publicJwkSetJson();
    // The attacker rewrites the trail and, able to write the data directory, swaps in a key of
    // their own and re-seals with it: the data dir's key alone now vouches for the forgery.
    deleteCommandsReHashAndRewriteTheHead();
    Files.delete(SigningKeys.keyFile(dataDir));
    for (Path seals : new FileAuditStore(dataDir.resolve("audit"), 1 << 20).sealFiles()) {
      Files.delete(seals);
    }
    SigningKeys attacker = SigningKeys.loadOrCreate(dataDir);
    try (FileAuditStore store = new FileAuditStore(dataDir.resolve("audit"), 1 << 20)) {
      AuditRecord last = store.last().orElseThrow();
      String seal = new SealSigner(attacker.signer(), attacker.keyId(), Clock.systemUTC())
          .sign(last.seq(), last.hash()).jws();
      Files.writeString(dataDir.resolve("audit").resolve("head.json"),
          "{\"seq\":" + last.seq() + ",\"hash\":\"" + last.hash() + "\",\"seal\":\"" + seal
              + "\"}\n");
    }
    assertThat(verify()).as("the data dir's own key is the attacker's now").isZero();
    Path jwksFile = elsewhere.resolve("jwks.json");
    Files.writeString(jwksFile, genuineJwks);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/.well-known/jwks.json", exchange -> {
      byte[] body = genuineJwks.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json";

      assertThat(verify("--jwks", jwksFile.toString())).isEqualTo(1);
      assertThat(verify("--jwks", url)).isEqualTo(1);
    } finally {
      server.stop(0);
    }
    assertThat(err()).contains("head.json is signed with a key the relay does not have");
  }

  @Test
  void aJwksThatCannotBeReadIsAClearFailure() throws Exception {
    writeTrail(3);
    Path notJwks = elsewhere.resolve("notes.txt");
    Files.writeString(notJwks, "hello");

    assertThat(verify("--jwks", notJwks.toString())).isEqualTo(1);
    assertThat(err()).contains("is not a JWK set", "/.well-known/jwks.json");
    assertThat(verify("--jwks", "http://127.0.0.1:1/.well-known/jwks.json")).isEqualTo(1);
    assertThat(err()).contains("cannot fetch the relay's keys from http://127.0.0.1:1/");
    assertThat(verify("--jwks", elsewhere.resolve("missing.json").toString())).isEqualTo(2);
    assertThat(err()).contains("is neither an http(s) URL nor a file");
  }

  @Test
  void withoutAKeyVerifySaysWhereToFindOneAndCreatesNone() throws Exception {
    assertThat(verify()).isEqualTo(1);

    assertThat(err()).contains("no signing key at", "--jwks");
    assertThat(SigningKeys.keyFile(dataDir)).doesNotExist();
  }

}
