package dev.tether.relay.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a relay config file (JSON, the {@link RelayConfig} names, durations as {@code "8h"}, sizes
 * as {@code "64MiB"}) into a builder, so command-line flags can override what it says. Each
 * section ({@code audit}, {@code limits}, {@code agents}, {@code externalIssuer}, {@code cluster}, {@code snapshots}) is read here into
 * its record; a new section is one more {@code section(...)} line below and a reader for it.
 */
public final class RelayConfigFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RelayConfigFile() {}

  /** Loads {@code file}; relative data directories resolve against the working directory. */
  public static RelayConfig.Builder load(Path file) throws IOException {
    return read(Files.readString(file), "config file " + file);
  }

  /** Reads the text of a config file. */
  public static RelayConfig.Builder parse(String text) {
    return read(text, "config");
  }

  private static RelayConfig.Builder read(String text, String what) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          what + " must hold one JSON object, e.g. {\"port\": 9300}");
    }
    try {
      return read(ConfigSection.root(root), RelayConfig.builder());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage());
    }
  }

  private static RelayConfig.Builder read(ConfigSection s, RelayConfig.Builder b) {
    s.text("host").ifPresent(b::host);
    s.integer("port").ifPresent(b::port);
    s.text("dataDir").map(Path::of).ifPresent(b::dataDir);
    s.uri("publicUrl").ifPresent(b::publicUrl);
    s.strings("consoleOrigins", "[\"https://console.example.com\"]").ifPresent(b::consoleOrigins);
    s.section("externalIssuer", "{\"issuer\": \"https://idp.example.com\", \"audience\":"
        + " \"tether\", \"jwks\": \"https://idp.example.com/jwks.json\"}")
        .map(RelayConfigFile::externalIssuer).ifPresent(b::externalIssuer);
    s.size("maxMessageSize").ifPresent(b::maxMessageBytes);
    s.duration("ticketTtl").ifPresent(b::ticketTtl);
    s.duration("maxSessionDuration").ifPresent(b::maxSessionDuration);
    s.duration("idleTimeout").ifPresent(b::idleTimeout);
    s.duration("heartbeat").ifPresent(b::heartbeat);
    s.duration("devtoolsKeepAlive").ifPresent(b::devtoolsKeepAlive);
    s.duration("helloTimeout").ifPresent(b::helloTimeout);
    s.duration("clockSkew").ifPresent(b::clockSkew);
    s.section("audit", "{\"store\": \"file\"}").map(RelayConfigFile::audit).ifPresent(b::audit);
    s.section("limits", "{\"sessionsPerUser\": 5, \"messagesPerSecond\": 200}")
        .map(RelayConfigFile::limits).ifPresent(b::limits);
    s.text("metricsToken").ifPresent(b::metricsToken);
    s.duration("resumeGrace").ifPresent(b::resumeGrace);
    s.duration("abruptCloseGrace").ifPresent(b::abruptCloseGrace);
    s.integer("ticketsPerMinute").ifPresent(b::ticketsPerMinute);
    s.section("agents", "{\"maxInstancesPerFunction\": 1000}")
        .map(RelayConfigFile::agents).ifPresent(b::agents);
    s.section("cluster", "{\"nodeId\": \"relay-a\", \"redis\": \"redis://127.0.0.1:6379/0\","
        + " \"peerUrl\": \"ws://10.0.0.5:9300\"}").map(RelayConfigFile::cluster).ifPresent(b::cluster);
    s.section("snapshots", "{\"redact\": [\"password\", \"iban\"]}")
        .map(RelayConfigFile::snapshots).ifPresent(b::snapshots);
    s.refuseUnknown();
    return b;
  }

  private static ExternalIssuer externalIssuer(ConfigSection s) {
    String issuer = s.text("issuer").orElse(null);
    String audience = s.text("audience").orElse(null);
    var jwks = s.uri("jwks").orElse(null);
    s.refuseUnknown();
    return new ExternalIssuer(issuer, audience, jwks);
  }

  private static AuditConfig audit(ConfigSection s) {
    String storeName = s.text("store").orElse("file").toUpperCase(Locale.ROOT);
    AuditConfig.Store store;
    try {
      store = AuditConfig.Store.valueOf(storeName);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("audit.store must be \"file\" or \"postgresql\"");
    }
    AuditConfig config = new AuditConfig(store, s.text("jdbcUrl"),
        s.size("maxArgSize").orElse(0L).intValue(), s.size("rotateSize").orElse(0L),
        s.integer("queueSize").orElse(0), s.bool("failClosed").orElse(false));
    s.refuseUnknown();
    return config;
  }

  private static Limits limits(ConfigSection s) {
    Limits limits = new Limits(
        s.positive("sessionsPerUser").orElse(0),
        s.positive("sessionsPerInstance").orElse(0),
        s.size("maxTargetMessageSize").orElse(0L),
        s.positive("messagesPerSecond").orElse(0),
        s.positive("messageBurst").orElse(0),
        s.duration("handshakeTimeout").orElse(null),
        s.duration("pauseWarning").orElse(null),
        pauseResume(s),
        s.duration("slowConsumerTimeout").orElse(null),
        s.duration("readOnlyEvalTimeout").orElse(null),
        s.size("readOnlyMaxCommandSize").orElse(0L));
    s.refuseUnknown();
    return limits;
  }

  private static Duration pauseResume(ConfigSection s) {
    Optional<String> text = s.text("pauseResume");
    return text.isPresent() && text.get().equals("never")
        ? Duration.ZERO : s.duration("pauseResume").orElse(null);
  }

  private static AgentLimits agents(ConfigSection s) {
    AgentLimits agents = new AgentLimits(
        s.positive("maxInstancesPerFunction").orElse(0),
        s.positive("maxRuntimeLength").orElse(0),
        s.positive("maxShimVersionLength").orElse(0),
        s.positive("maxTargets").orElse(0),
        s.positive("maxTargetFieldLength").orElse(0),
        s.positive("maxStreamPositions").orElse(0));
    s.refuseUnknown();
    return agents;
  }

  private static ClusterConfig cluster(ConfigSection s) {
    ClusterConfig cluster = new ClusterConfig(
        s.text("nodeId").orElse(null),
        s.uri("redis").orElse(null),
        s.uri("peerUrl").orElse(null),
        s.duration("registryTtl").orElse(null),
        s.duration("redisTimeout").orElse(null),
        s.duration("pollInterval").orElse(null));
    s.refuseUnknown();
    return cluster;
  }

  private static SnapshotConfig snapshots(ConfigSection s) {
    SnapshotConfig snapshots = new SnapshotConfig(
        s.strings("redact", "[\"password\", \"iban\"]").orElse(null),
        s.positive("hitsPerSecond").orElse(0),
        s.duration("pauseBudget").orElse(null),
        s.positive("maxPointsPerFunction").orElse(0),
        s.positive("maxStoredHits").orElse(0),
        s.duration("maxExpiresIn").orElse(null));
    s.refuseUnknown();
    return snapshots;
  }
}
