package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own EC P-256 (ES256) signing key with its key id: created once into the data
 * directory, readable only by its owner, and published (public half only) as a JWK set.
 */
public final class SigningKeys {
  private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);
  static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;

  private final ECKey key;

  private SigningKeys(ECKey key) {
    this.key = key;
  }

  /**
   * Loads {@code dataDir/keys/signing-key.jwk.json}, or creates it (mode 600 where POSIX) on the
   * first start.
   */
  public static SigningKeys loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve("keys").resolve("signing-key.jwk.json");
    if (Files.exists(file)) {
      return load(file);
    }
    SigningKeys created = generate();
    if (!write(file, created.key.toJSONString())) {
      return load(file); // another process (a relay, `tether token`) created it first: use theirs
    }
    log.info("created signing key kid={} file={}", created.keyId(), file);
    return created;
  }

  /** A fresh key held only in memory, for tests and throwaway relays. */
  static SigningKeys generate() {
    try {
      return new SigningKeys(
          new ECKeyGenerator(Curve.P_256)
              .keyUse(KeyUse.SIGNATURE)
              .algorithm(ALGORITHM)
              .keyIDFromThumbprint(true)
              .generate());
    } catch (JOSEException e) {
      throw new IllegalStateException("this JVM cannot generate EC P-256 keys", e);
    }
  }

  public String keyId() {
    return key.getKeyID();
  }

  /** The JWK set served at {@code /.well-known/jwks.json}: public parts only. */
  public String publicJwkSetJson() {
    return new JWKSet(publicKey()).toString(true);
  }

  ECKey publicKey() {
    return key.toPublicJWK();
  }

  ECKey privateKey() {
    return key;
  }

  private static SigningKeys load(Path file) throws IOException {
    warnWhenOthersMayRead(file);
    String json = Files.readString(file, StandardCharsets.UTF_8);
    JWK jwk;
    try {
      jwk = JWK.parse(json);
    } catch (ParseException e) {
      // Never echo the file: it holds the private key.
      throw new IOException(file + " is not a valid JWK; move it away and restart to create a new key");
    }
    if (!(jwk instanceof ECKey ec)
        || !Curve.P_256.equals(ec.getCurve())
        || !ec.isPrivate()
        || ec.getKeyID() == null
        || ec.getKeyID().isBlank()) {
      throw new IOException(
          file + " is not an EC P-256 private key with a kid; move it away and restart to create"
              + " a new key");
    }
    log.debug("loaded signing key kid={} file={}", ec.getKeyID(), file);
    return new SigningKeys(ec);
  }

  private static boolean write(Path file, String json) throws IOException {
    Path dir = file.getParent();
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (posix) {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } else {
      Files.createDirectories(dir);
    }
    // Written to a private temporary file and moved into place, so a crash never leaves half a key.
    Path temp =
        posix
            ? Files.createTempFile(
                dir,
                "signing-key",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(dir, "signing-key", ".tmp");
    try {
      Files.writeString(temp, json, StandardCharsets.UTF_8);
      // A hard link never replaces an existing file: of two processes creating the key at once,
      // exactly one wins and the other loads the winner's key.
      Files.createLink(file, temp);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void warnWhenOthersMayRead(Path file) throws IOException {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.contains(PosixFilePermission.GROUP_READ)
        || perms.contains(PosixFilePermission.OTHERS_READ)) {
      log.warn("signing key file is readable by others file={}; run chmod 600 on it", file);
    }
  }
}
