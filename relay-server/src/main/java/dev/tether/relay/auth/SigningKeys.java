package dev.tether.relay.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
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
  private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
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
    Path file = keyFile(dataDir);
    if (Files.exists(file)) {
      return load(file);
    }
    SigningKeys created = generate();
    if (!write(file, created.key.toJSONString())) {
      return load(file); // another process (a relay, `tether token`) created it first: use theirs
    }
    LOG.info("created signing key kid={} file={}", created.keyId(), file);
    return created;
  }

  /** Where the key of the relay with data directory {@code dataDir} lives. */
  public static Path keyFile(Path dataDir) {
    return dataDir.resolve("keys").resolve("signing-key.jwk.json");
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

  /** Signs with the private key (ES256), e.g. the audit trail's head. */
  public JWSSigner signer() {
    try {
      return new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new IllegalStateException("this JVM cannot sign with EC P-256 keys", e);
    }
  }

  /** Checks signatures made with this key (a cluster's nodes check each other's peer tokens). */
  public com.nimbusds.jose.JWSVerifier verifier() {
    try {
      return new com.nimbusds.jose.crypto.ECDSAVerifier(key.toECPublicKey());
    } catch (JOSEException e) {
      throw new IllegalStateException("this JVM cannot verify EC P-256 signatures", e);
    }
  }

  ECKey publicKey() {
    return key.toPublicJWK();
  }

  ECKey privateKey() {
    return key;
  }

  private static SigningKeys load(Path file) throws IOException {
    keepPrivate(file);
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
    LOG.debug("loaded signing key kid={} file={}", ec.getKeyID(), file);
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

  /**
   * Tightens the key file to 0600 and its folder to 0700, also when an older version or a copy
   * by hand left them open to others; warns when that is not possible.
   */
  private static void keepPrivate(Path file) {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    tighten(file.getParent(), PosixFilePermissions.fromString("rwx------"));
    tighten(file, PosixFilePermissions.fromString("rw-------"));
  }

  private static void tighten(Path path, Set<PosixFilePermission> wanted) {
    try {
      if (!Files.getPosixFilePermissions(path).equals(wanted)) {
        Files.setPosixFilePermissions(path, wanted);
        LOG.info("made private file={} mode={}", path, PosixFilePermissions.toString(wanted));
      }
    } catch (IOException e) {
      LOG.warn("signing key file or folder is open to others and cannot be made private file={}"
          + " cause=\"{}\"; run chmod 600 on the file, 700 on its folder", path, e.getMessage());
    }
  }
}
