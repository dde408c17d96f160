package dev.tether.relay.inspector;

import dev.tether.relay.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * What Node's inspector answers on {@code GET /json/version} and {@code GET /json/protocol}, served
 * as they are (static, no secret, no auth) so that CDP libraries which read them from the host of
 * a WebSocket URL work against the relay and {@code tether connect}. The protocol is a copy of
 * Node's own, captured from {@code node --inspect} (see tether-inspector/README.md).
 */
public final class InspectorInfo {
  /** The Node version the protocol description was captured from. */
  public static final String NODE_VERSION = "v20.20.2";
  private static final String RESOURCE = "/tether-inspector/protocol.json";

  private final byte[] version;
  private final byte[] protocol;

  private InspectorInfo(byte[] version, byte[] protocol) {
    this.version = version;
    this.protocol = protocol;
  }

  /** Loads the protocol description from the classpath; fails loudly when the jar lacks it. */
  public static InspectorInfo load() {
    try (InputStream in = InspectorInfo.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the classpath has no " + RESOURCE
            + ": run Tether from tether-relay.jar or the Maven reactor");
      }
      byte[] version = ("{\n  \"Browser\": \"node.js/" + NODE_VERSION + "\",\n"
          + "  \"Protocol-Version\": \"1.1\"\n}\n").getBytes(StandardCharsets.UTF_8);
      return new InspectorInfo(version, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** Adds {@code GET /json/version} and {@code GET /json/protocol} to {@code router}. */
  public Router routes(Router router) {
    router.on("GET", "/json/version", ex -> ex.rawJson(200, version));
    router.on("GET", "/json/protocol", ex -> ex.rawJson(200, protocol));
    return router;
  }

  /** The {@code /json/version} body. */
  public byte[] version() {
    return version.clone();
  }
}
