package dev.tether.relay.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.http.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signed points file alone: what it accepts, and each way a file is refused and why. */
class PointsFileTest {
  private static final byte[] DOCUMENT = "{\"version\":2,\"points\":[]}".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private SigningKeys keys;
  private PointsFile file;

  @BeforeEach
  void aRelaysKey() throws Exception {
    keys = SigningKeys.loadOrCreate(dir);
    file = new PointsFile(dir.resolve(LocalPoints.FILE), keys);
  }

  @Test
  void whatTheRelaySignedReadsBackAsItWasAndOnlyItsOwnerMayReadTheFile() throws Exception {
    file.write(DOCUMENT);

    assertThat(file.read()).isEqualTo(DOCUMENT);
    ObjectNode root = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(file.path()));
    assertThat(root.fieldNames()).toIterable().containsExactly("protected", "payload", "signature");
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void aPlainPointsDocumentWithAPointIsRefusedAsUnsigned() throws Exception {
    Files.writeString(file.path(), "{\"version\":1,\"points\":[{\"id\":\"s-1\","
        + "\"function\":\"orders\",\"log\":\"{process.env.DB_PASSWORD}\"}]}");

    assertRefused("unsigned", "is not signed");
  }

  @Test
  void anEarlierVersionsFileWithoutPointsReadsAsNoPointsSoAnUpgradedRelayStarts() throws Exception {
    Files.writeString(file.path(), "{\"version\":1,\"points\":[]}"); // what every stop wrote

    assertThat(file.read()).isEqualTo(DOCUMENT);
  }

  @Test
  void anUnsignedFileWithoutPointsButWithAnythingElseIsRefused() throws Exception {
    Files.writeString(file.path(), "{\"version\":1,\"points\":[],\"hits\":[{\"at\":1}]}");

    assertRefused("unsigned", "is not signed");
  }

  @Test
  void aPayloadChangedUnderTheRelaysSignatureIsRefusedAsAltered() throws Exception {
    file.write(DOCUMENT);
    ObjectNode root = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(file.path()));
    root.put("payload", Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"version\":2,\"points\":[{}]}".getBytes(StandardCharsets.UTF_8)));
    Files.write(file.path(), Json.MAPPER.writeValueAsBytes(root));

    assertRefused("altered", "its signature does not match");
  }

  @Test
  void aFileSignedByAnotherKeyIsRefusedNamingBothKeys(@TempDir Path other) throws Exception {
    SigningKeys theirs = SigningKeys.loadOrCreate(other);
    new PointsFile(file.path(), theirs).write(DOCUMENT);

    assertRefused("other_key", "another key");
    assertThatThrownBy(file::read).hasMessageContaining(theirs.keyId()).hasMessageContaining(keys.keyId());
  }

  @Test
  void anotherKeysSignatureUnderThisRelaysKeyIdIsRefusedAsAltered(@TempDir Path other)
      throws Exception {
    SigningKeys theirs = SigningKeys.loadOrCreate(other);
    write(new JWSHeader.Builder(JWSAlgorithm.ES256).type(PointsFile.TYPE).keyID(keys.keyId()).build(),
        theirs);

    assertRefused("altered", "its signature does not match");
  }

  @Test
  void somethingElseTheRelaySignedIsNotTakenForItsPoints() throws Exception {
    write(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("tether-audit-seal"))
        .keyID(keys.keyId()).build(), keys);

    assertRefused("not_points", "typ tether-audit-seal");
  }

  @Test
  void anUnsignedAlgNoneHeaderIsRefused() throws Exception {
    String header = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\",\"typ\":\"tether-snapshot-points\"}".getBytes(StandardCharsets.UTF_8));
    String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(DOCUMENT);
    Files.writeString(file.path(), "{\"protected\":\"" + header + "\",\"payload\":\"" + payload
        + "\",\"signature\":\"\"}");

    assertRefused("not_points", "is not a signed points file");
  }

  @Test
  void aFileThatIsNotJsonIsBrokenNotRefused() throws Exception {
    Files.writeString(file.path(), "{\"protected\": ");

    assertThatThrownBy(file::read).isNotInstanceOf(PointsFile.Refused.class)
        .hasMessageContaining("cannot be read").hasMessageContaining("move it away");
  }

  private void write(JWSHeader header, SigningKeys signer) throws Exception {
    JWSObject jws = new JWSObject(header, new Payload(DOCUMENT));
    jws.sign(signer.signer());
    String[] parts = jws.serialize().split("\\.");
    Files.write(file.path(), Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode()
        .put("protected", parts[0]).put("payload", parts[1]).put("signature", parts[2])));
  }

  private void assertRefused(String problem, String says) {
    assertThatThrownBy(file::read).isInstanceOfSatisfying(PointsFile.Refused.class,
            refused -> assertThat(refused.problem).isEqualTo(problem))
        .hasMessageContaining(file.path().toAbsolutePath().toString())
        .hasMessageContaining(says).hasMessageContaining("move it away");
  }
}
