package dev.tether.relay.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Everything an operator can set on a relay, validated and defaulted here so the rest of the code
 * trusts it. Null components take their default; a bad value fails with a message that says what
 * to write instead.
 *
 * @param host the interface to listen on
 * @param port the port to listen on; 0 picks a free one
 * @param dataDir where the signing key (and later the audit trail) lives
 * @param publicUrl how browsers and shims reach the relay; the token issuer name and every URL the
 *     API hands out derive from it (default {@code http://host:port})
 * @param consoleOrigins web origins (e.g. {@code https://console.example.com}) whose pages may use
 *     the API and open DevTools sockets
 * @param externalIssuer an identity provider whose user tokens are accepted too
 * @param maxMessageBytes the largest CDP message a DevTools client may send towards the target
 * @param ticketTtl how long an attach ticket stays valid (at most 60 s)
 * @param maxSessionDuration when a session ends no matter what
 * @param idleTimeout how long a session may wait without DevTools attached (never attached, or
 *     detached) before it expires
 * @param heartbeat the agent tunnel's ping interval; a tunnel silent for three of them is dropped
 * @param devtoolsKeepAlive the ping interval on DevTools sockets, so idle tabs stay connected
 * @param helloTimeout how long a new tunnel has to send its hello
 * @param clockSkew how much clock difference token checks tolerate
 * @param audit where and how the audit trail is kept
 * @param limits session, rate, size and time limits enforced by the relay's policy
 * @param metricsToken the bearer token {@code GET /metrics} requires; without one only loopback
 *     callers may read it
 * @param resumeGrace how long the sessions of a tunnel that went silent (a frozen function, a
 *     network blip) wait, DevTools sockets open, for the shim to resume them; 0 ends them at once.
 *     The default (15 minutes) outlasts the freezes of function platforms between invocations,
 *     so a frozen instance stays a target, breakpoints and all, when it thaws
 * @param abruptCloseGrace the same for a tunnel whose socket was closed without a goodbye, as when
 *     the function's process was killed: short, since a live shim is back within a moment
 * @param ticketsPerMinute how many attach tickets one user (issuer and subject) may have signed
 *     per minute, through {@code POST /api/sessions} and {@code GET /api/sessions/{id}}; past it
 *     the API answers 429 with Retry-After (default 60)
 * @param cluster how this relay joins a cluster of relays (Redis, peer address); empty: alone
 * @param snapshots snapshot points: the deny-list of captured names, the per-instance budget
 */
public record RelayConfig(
    String host,
    int port,
    Path dataDir,
    Optional<URI> publicUrl,
    List<String> consoleOrigins,
    Optional<ExternalIssuer> externalIssuer,
    long maxMessageBytes,
    Duration ticketTtl,
    Duration maxSessionDuration,
    Duration idleTimeout,
    Duration heartbeat,
    Duration devtoolsKeepAlive,
    Duration helloTimeout,
    Duration clockSkew,
    AuditConfig audit,
    Limits limits,
    Optional<String> metricsToken,
    Duration resumeGrace,
    Duration abruptCloseGrace,
    int ticketsPerMinute,
    AgentLimits agents,
    Optional<ClusterConfig> cluster,
    SnapshotConfig snapshots) {
  /** How long a silent (frozen) instance is kept: longer than function platforms freeze one. */
  public static final Duration DEFAULT_RESUME_GRACE = Duration.ofMinutes(15);


  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 9300;
  public static final Path DEFAULT_DATA_DIR = Path.of(".tether", "data");
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 64L * 1024 * 1024;
  public static final Duration MAX_TICKET_TTL = Duration.ofSeconds(60);
  public static final int DEFAULT_TICKETS_PER_MINUTE = 60;

  public RelayConfig {
    host = host == null || host.isBlank() ? DEFAULT_HOST : host.trim();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "port must be between 0 and 65535 (0 picks a free port), was " + port);
    }
    dataDir = dataDir == null ? DEFAULT_DATA_DIR : dataDir;
    publicUrl = publicUrl == null ? Optional.empty() : publicUrl.map(RelayConfig::checkPublicUrl);
    consoleOrigins = consoleOrigins == null ? List.of() : checkOrigins(consoleOrigins);
    externalIssuer = externalIssuer == null ? Optional.empty() : externalIssuer;
    maxMessageBytes = maxMessageBytes == 0 ? DEFAULT_MAX_MESSAGE_BYTES : maxMessageBytes;
    if (maxMessageBytes < 64 * 1024 || maxMessageBytes > 1024L * 1024 * 1024) {
      throw new IllegalArgumentException(
          "maxMessageSize must be between 64 KiB and 1 GiB (legit CDP messages reach tens of MB), was "
              + maxMessageBytes + " bytes");
    }
    ticketTtl = Bounds.between("ticketTtl", ticketTtl, MAX_TICKET_TTL, Duration.ofSeconds(1),
        MAX_TICKET_TTL);
    maxSessionDuration =
        Bounds.between("maxSessionDuration", maxSessionDuration, Duration.ofHours(8),
            Duration.ofSeconds(1), Duration.ofDays(7));
    idleTimeout =
        Bounds.between("idleTimeout", idleTimeout, Duration.ofMinutes(10), Duration.ofSeconds(1),
            Duration.ofDays(1));
    heartbeat =
        Bounds.between("heartbeat", heartbeat, Duration.ofSeconds(20), Duration.ofSeconds(1),
            Duration.ofMinutes(5));
    devtoolsKeepAlive =
        Bounds.between("devtoolsKeepAlive", devtoolsKeepAlive, Duration.ofSeconds(30),
            Duration.ofSeconds(1), Duration.ofMinutes(5));
    helloTimeout =
        Bounds.between("helloTimeout", helloTimeout, Duration.ofSeconds(10), Duration.ofMillis(100),
            Duration.ofMinutes(1));
    clockSkew =
        Bounds.between("clockSkew", clockSkew, Duration.ofSeconds(30), Duration.ZERO,
            Duration.ofSeconds(30));
    audit = audit == null ? AuditConfig.defaults() : audit;
    limits = limits == null ? Limits.defaults() : limits;
    metricsToken = metricsToken == null ? Optional.empty() : metricsToken.map(String::trim);
    if (metricsToken.isPresent() && metricsToken.get().length() < 16) {
      throw new IllegalArgumentException(
          "metricsToken must be at least 16 characters (e.g. the output of openssl rand -hex 16)");
    }
    resumeGrace =
        Bounds.between("resumeGrace", resumeGrace, DEFAULT_RESUME_GRACE, Duration.ZERO,
            Duration.ofHours(1));
    abruptCloseGrace =
        Bounds.between("abruptCloseGrace", abruptCloseGrace, Duration.ofSeconds(1), Duration.ZERO,
            resumeGrace);
    ticketsPerMinute = ticketsPerMinute == 0 ? DEFAULT_TICKETS_PER_MINUTE : ticketsPerMinute;
    if (ticketsPerMinute < 1 || ticketsPerMinute > 100_000) {
      throw new IllegalArgumentException(
          "ticketsPerMinute must be between 1 and 100000, was " + ticketsPerMinute);
    }
    agents = agents == null ? AgentLimits.defaults() : agents;
    cluster = cluster == null ? Optional.empty() : cluster;
    snapshots = snapshots == null ? SnapshotConfig.defaults() : snapshots;
  }

  /** A config with every default: 127.0.0.1:9300, data in ./.tether/data. */
  public static RelayConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values, to change a few of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.dataDir = dataDir;
    b.publicUrl = publicUrl.orElse(null);
    b.consoleOrigins = consoleOrigins;
    b.externalIssuer = externalIssuer.orElse(null);
    b.maxMessageBytes = maxMessageBytes;
    b.ticketTtl = ticketTtl;
    b.maxSessionDuration = maxSessionDuration;
    b.idleTimeout = idleTimeout;
    b.heartbeat = heartbeat;
    b.devtoolsKeepAlive = devtoolsKeepAlive;
    b.helloTimeout = helloTimeout;
    b.clockSkew = clockSkew;
    b.audit = audit;
    b.limits = limits;
    b.metricsToken = metricsToken.orElse(null);
    b.resumeGrace = resumeGrace;
    b.abruptCloseGrace = abruptCloseGrace;
    b.ticketsPerMinute = ticketsPerMinute;
    b.agents = agents;
    b.cluster = cluster.orElse(null);
    b.snapshots = snapshots;
    return b;
  }

  /** The public URL once the real port is known: the configured one, else http://host:port. */
  public URI publicUrlFor(int boundPort) {
    if (publicUrl.isPresent()) {
      return publicUrl.get();
    }
    String urlHost = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    if (urlHost.contains(":")) {
      urlHost = "[" + urlHost + "]";
    }
    return URI.create("http://" + urlHost + ":" + boundPort);
  }

  private static URI checkPublicUrl(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    boolean pathless = url.getRawPath() == null || url.getRawPath().isEmpty() || url.getRawPath().equals("/");
    if (!(scheme.equals("http") || scheme.equals("https"))
        || url.getHost() == null
        || !pathless
        || url.getRawQuery() != null
        || url.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "publicUrl must be an absolute http:// or https:// URL without a path, e.g."
              + " https://relay.example.com, was '" + url + "'");
    }
    String text = url.toString();
    return URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
  }

  private static List<String> checkOrigins(List<String> origins) {
    List<String> checked = new ArrayList<>();
    for (String origin : origins) {
      try {
        checked.add(Origins.normalise(origin));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("consoleOrigins entry " + e.getMessage());
      }
    }
    return List.copyOf(checked);
  }

  /** Collects settings from a file and flags; {@link #build()} validates them. */
  public static final class Builder {
    private String host;
    private int port = DEFAULT_PORT;
    private Path dataDir;
    private URI publicUrl;
    private List<String> consoleOrigins;
    private ExternalIssuer externalIssuer;
    private long maxMessageBytes;
    private Duration ticketTtl;
    private Duration maxSessionDuration;
    private Duration idleTimeout;
    private Duration heartbeat;
    private Duration devtoolsKeepAlive;
    private Duration helloTimeout;
    private Duration clockSkew;
    private AuditConfig audit;
    private Limits limits;
    private String metricsToken;
    private Duration resumeGrace;
    private Duration abruptCloseGrace;
    private int ticketsPerMinute;
    private AgentLimits agents;
    private ClusterConfig cluster;
    private SnapshotConfig snapshots;

    private Builder() {}

    public Builder host(String value) {
      host = value;
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    public Builder dataDir(Path value) {
      dataDir = value;
      return this;
    }

    public Builder publicUrl(URI value) {
      publicUrl = value;
      return this;
    }

    public Builder consoleOrigins(List<String> value) {
      consoleOrigins = value;
      return this;
    }

    public Builder externalIssuer(ExternalIssuer value) {
      externalIssuer = value;
      return this;
    }

    public Builder maxMessageBytes(long value) {
      maxMessageBytes = value;
      return this;
    }

    public Builder ticketTtl(Duration value) {
      ticketTtl = value;
      return this;
    }

    public Builder maxSessionDuration(Duration value) {
      maxSessionDuration = value;
      return this;
    }

    public Builder idleTimeout(Duration value) {
      idleTimeout = value;
      return this;
    }

    public Builder heartbeat(Duration value) {
      heartbeat = value;
      return this;
    }

    public Builder devtoolsKeepAlive(Duration value) {
      devtoolsKeepAlive = value;
      return this;
    }

    public Builder helloTimeout(Duration value) {
      helloTimeout = value;
      return this;
    }

    public Builder clockSkew(Duration value) {
      clockSkew = value;
      return this;
    }

    public Builder audit(AuditConfig value) {
      audit = value;
      return this;
    }

    public Builder limits(Limits value) {
      limits = value;
      return this;
    }

    public Builder metricsToken(String value) {
      metricsToken = value;
      return this;
    }

    public Builder resumeGrace(Duration value) {
      resumeGrace = value;
      return this;
    }

    public Builder abruptCloseGrace(Duration value) {
      abruptCloseGrace = value;
      return this;
    }

    public Builder ticketsPerMinute(int value) {
      ticketsPerMinute = value;
      return this;
    }

    public Builder cluster(ClusterConfig value) {
      cluster = value;
      return this;
    }

    public Builder snapshots(SnapshotConfig value) {
      snapshots = value;
      return this;
    }

    public Builder agents(AgentLimits value) {
      agents = value;
      return this;
    }

    public RelayConfig build() {
      return new RelayConfig(
          host, port, dataDir, Optional.ofNullable(publicUrl), consoleOrigins,
          Optional.ofNullable(externalIssuer), maxMessageBytes, ticketTtl, maxSessionDuration,
          idleTimeout, heartbeat, devtoolsKeepAlive, helloTimeout, clockSkew, audit, limits,
          Optional.ofNullable(metricsToken), resumeGrace, abruptCloseGrace, ticketsPerMinute,
          agents, Optional.ofNullable(cluster), snapshots);
    }
  }
}
