package dev.tether.relay.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.util.Base64URL;
import dev.tether.relay.auth.SigningKeys;
import dev.tether.relay.http.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.ParseException;
import java.util.Iterator;

/**
 * {@code snapshots.json}, signed with the relay's own ES256 key (the one that signs tokens and
 * seals the audit trail), so that whoever can write the data directory but cannot read the key
 * can neither plant, widen nor forge a point or a hit. The file is a flattened JWS JSON
 * (RFC 7515 §7.2.2: {@code {"protected","payload","signature"}}, typ
 * {@code tether-snapshot-points}, the key's {@code kid}) whose payload is the points document,
 * signed whole at each save (at most twice a second), so no part of it can be swapped for
 * another. Reading refuses a file that is unsigned (earlier versions wrote it so), signed with
 * another key, or altered, with a {@link Refused} that names the file and what to do.
 */
final class PointsFile {
  static final JOSEObjectType TYPE = new JOSEObjectType("tether-snapshot-points");

  private static final byte[] EMPTY =
      "{\"version\":2,\"points\":[]}".getBytes(StandardCharsets.UTF_8);

  private final Path file;
  private final SigningKeys keys;

  PointsFile(Path file, SigningKeys keys) {
    this.file = file;
    this.keys = keys;
  }

  /** Why a file is not the relay's own: {@link #problem} is a stable word for the audit trail. */
  static final class Refused extends IOException {
    final String problem;

    Refused(String problem, String message) {
      super(message);
      this.problem = problem;
    }
  }

  Path path() {
    return file;
  }

  boolean exists() {
    return Files.exists(file);
  }

  /** The points document this relay signed; {@link Refused} for anything else. */
  byte[] read() throws IOException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw unreadable(e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw unreadable("it is not a JSON object");
    }
    if (!root.has("signature")) {
      if (holdsNothing(root)) {
        return EMPTY; // an earlier version's file without points: nothing to plant or to lose
      }
      throw refused("unsigned", "is not signed (Tether wrote it unsigned before its points were"
          + " signed, or it was written by hand), so the relay cannot tell its points from"
          + " planted ones");
    }
    JWSObject jws = parse(root);
    String kid = jws.getHeader().getKeyID();
    if (!keys.keyId().equals(kid)) {
      throw refused("other_key", "is signed with another key (kid " + kid + "; this relay's key is "
          + keys.keyId() + "): it comes from another relay, or keys/ changed since it was saved");
    }
    try {
      if (!jws.verify(keys.verifier())) {
        throw refused("altered", "was changed after the relay saved it: its signature does not"
            + " match its content");
      }
    } catch (JOSEException e) {
      throw refused("altered", "cannot be checked with this relay's key (" + e.getMessage() + ")");
    }
    return jws.getPayload().toBytes();
  }

  /**
   * Whether an unsigned file is an earlier version's with no point in it ({@code {"version":1,
   * "points":[]}}), which every relay of that version wrote at its stop. Anything more (a point,
   * another field) could be planted and is refused.
   */
  private static boolean holdsNothing(JsonNode root) {
    JsonNode points = root.path("points");
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("version") && !name.equals("points")) {
        return false;
      }
    }
    return points.isArray() && points.isEmpty();
  }

  /** Signs {@code document} and puts it in place whole: a reader never sees half a file. */
  void write(byte[] document) throws IOException {
    JWSObject jws = new JWSObject(
        new JWSHeader.Builder(JWSAlgorithm.ES256).type(TYPE).keyID(keys.keyId()).build(),
        new Payload(document));
    try {
      jws.sign(keys.signer());
    } catch (JOSEException e) {
      throw new IOException("the relay's key cannot sign its snapshot points: " + e.getMessage(), e);
    }
    ObjectNode flattened = Json.MAPPER.createObjectNode()
        .put("protected", jws.getHeader().toBase64URL().toString())
        .put("payload", jws.getPayload().toBase64URL().toString())
        .put("signature", jws.getSignature().toString());
    Files.createDirectories(file.getParent());
    Path temp = Files.createTempFile(file.getParent(), "snapshots", ".tmp");
    Files.write(temp, Json.MAPPER.writeValueAsBytes(flattened));
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private JWSObject parse(JsonNode root) throws Refused {
    JWSObject jws;
    try {
      jws = new JWSObject(part(root, "protected"), part(root, "payload"), part(root, "signature"));
    } catch (ParseException e) {
      throw refused("not_points", "is not a signed points file (" + e.getMessage() + ")");
    }
    if (!JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm())
        || !TYPE.equals(jws.getHeader().getType())) {
      throw refused("not_points", "is not a signed points file (alg "
          + jws.getHeader().getAlgorithm() + ", typ " + jws.getHeader().getType() + ")");
    }
    return jws;
  }

  private Base64URL part(JsonNode root, String name) throws ParseException {
    JsonNode value = root.get(name);
    if (value == null || !value.isTextual()) {
      throw new ParseException("no \"" + name + "\"", 0);
    }
    return new Base64URL(value.asText());
  }

  /** A file the relay wrote but cannot read is broken, not forged: the message of today. */
  IOException unreadable(String why) {
    return new IOException("the relay's snapshot points file " + file.toAbsolutePath()
        + " cannot be read (" + why + "); fix it, or move it away to start without the saved"
        + " points");
  }

  private Refused refused(String problem, String what) {
    return new Refused(problem, "the relay's snapshot points file " + file.toAbsolutePath() + " "
        + what + ". The relay applies no point it cannot vouch for: move it away (keep it to see"
        + " what was changed) to start without its points, then set them again; the audit trail"
        + " (snapshot.set, snapshot.restored) shows which points were set and by whom");
  }
}
