package dev.tether.relay.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.relay.config.ClusterConfig;
import dev.tether.relay.http.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The cluster's live state in Redis, and nothing else talks to Redis. Every entry a node writes
 * expires unless that node renews it (agents, sessions), so a node that dies leaves nothing
 * behind for longer than the TTL; a used ticket id is kept until its ticket expires. Every call
 * that cannot reach Redis throws {@link Unavailable}, which callers turn into a 503 or a skipped
 * renewal: Redis being down never stops a node.
 */
public final class ClusterStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterStore.class);
  static final String AGENT = "tether:agent:";
  static final String SESSION = "tether:session:";
  static final String TICKET = "tether:ticket:";
  static final String TERMINATE = "tether:terminate";
  /**
   * Per function, a sorted set of its agent keys scored by when each entry expires (this node's
   * clock): a function's instances are read from it instead of a SCAN of every key. Not under
   * {@link #AGENT}, so a SCAN of the agents never meets one.
   */
  static final String FUNCTION_INDEX = "tether:fn:";
  private static final int SCAN_BATCH = 1000;
  /**
   * Deletes a key only while it still names this node: an instance that moved to another node
   * meanwhile keeps the entry the other node wrote.
   */
  private static final String DELETE_IF_MINE = "local v = redis.call('get', KEYS[1]) "
      + "if v and string.find(v, ARGV[1], 1, true) then return redis.call('del', KEYS[1]) end "
      + "return 0";
  /**
   * {@link #DELETE_IF_MINE}, and the key leaves its function's index when it is gone (deleted
   * here, or expired): an instance another node took over keeps its place in the index.
   */
  private static final String DELETE_INDEXED_IF_MINE = "local v = redis.call('get', KEYS[1]) "
      + "if v and not string.find(v, ARGV[1], 1, true) then return 0 end "
      + "redis.call('zrem', KEYS[2], KEYS[1]) "
      + "if v then return redis.call('del', KEYS[1]) end return 0";

  private final RedisClient redis;
  private final ClusterConfig config;
  /** Channels other parts of the relay hear, besides terminations; set before {@link #onTerminate}. */
  private final Map<String, Consumer<String>> channels = new ConcurrentHashMap<>();
  private volatile boolean reachable = true;
  private volatile Thread subscriber;
  private volatile JedisPubSub subscription;
  private volatile boolean closed;

  public ClusterStore(ClusterConfig config) {
    this.config = config;
    int timeout = (int) config.redisTimeout().toMillis();
    DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
        .database(config.database()).connectionTimeoutMillis(timeout)
        .socketTimeoutMillis(timeout)
        .ssl("rediss".equalsIgnoreCase(config.redis().getScheme()))
        .clientName("tether-" + config.nodeId());
    String userInfo = config.redis().getRawUserInfo(); // redis://user:password@host or :password@
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? null : URLDecoder.decode(userInfo.substring(0, colon),
          StandardCharsets.UTF_8);
      String password = URLDecoder.decode(colon < 0 ? userInfo
          : userInfo.substring(colon + 1), StandardCharsets.UTF_8);
      client.user(user == null || user.isEmpty() ? null : user).password(password);
    }
    this.redis = RedisClient.builder()
        .hostAndPort(config.redis().getHost(),
            config.redis().getPort() == -1 ? 6379 : config.redis().getPort())
        .clientConfig(client.build())
        .build();
  }

  /** Redis could not be reached (or answered too late); the message says what to check. */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Writes (or rewrites) entries with the TTL in one round trip; {@code deletes} are removed
   * where they still belong to this node.
   */
  public void put(Map<String, String> entries, List<String> deletes) {
    put(entries, Map.of(), deletes);
  }

  /**
   * {@link #put(Map, List)}, and each written or deleted key that {@code indexes} maps to an
   * index (see {@link #indexKey}) is listed there until its entry expires, or leaves it with its
   * entry. The index itself expires a TTL after its last write, so a function whose every node
   * died leaves nothing behind either.
   */
  public void put(Map<String, String> entries, Map<String, String> indexes,
      List<String> deletes) {
    call(() -> {
      Pipeline pipe = (Pipeline) redis.pipelined();
      try (pipe) {
        long ttl = config.registryTtl().toMillis();
        double expires = System.currentTimeMillis() + ttl;
        Map<String, Map<String, Double>> listed = new HashMap<>(); // one ZADD per index
        entries.forEach((key, value) -> {
          pipe.set(key, value, SetParams.setParams().px(ttl));
          String index = indexes.get(key);
          if (index != null) {
            listed.computeIfAbsent(index, i -> new HashMap<>()).put(key, expires);
          }
        });
        listed.forEach((index, members) -> {
          pipe.zadd(index, members);
          pipe.pexpire(index, ttl);
        });
        String mine = "\"node\":\"" + config.nodeId() + "\"";
        for (String key : deletes) {
          String index = indexes.get(key);
          if (index == null) {
            pipe.eval(DELETE_IF_MINE, List.of(key), List.of(mine));
          } else {
            pipe.eval(DELETE_INDEXED_IF_MINE, List.of(key, index), List.of(mine));
          }
        }
        pipe.sync();
      }
      return null;
    });
  }

  /** The index that lists the agent keys of {@code function}. */
  static String indexKey(String function) {
    return FUNCTION_INDEX + function;
  }

  /**
   * Every live entry an index lists, parsed. Members whose expiry passed are pruned first; an
   * entry that expired before its score says (another node's clock runs ahead) reads as absent,
   * so the entries' own TTL decides and the score only bounds how long a dead one is kept.
   */
  public List<JsonNode> indexed(String index) {
    return call(() -> {
      Pipeline pipe = (Pipeline) redis.pipelined();
      Response<List<String>> listed;
      try (pipe) {
        pipe.zremrangeByScore(index, Double.NEGATIVE_INFINITY, System.currentTimeMillis());
        listed = pipe.zrange(index, 0, -1);
        pipe.sync();
      }
      return values(listed.get());
    });
  }

  /** Members of an index (for tests: what a function's index holds right now, unpruned). */
  List<String> indexMembers(String index) {
    return call(() -> redis.zrange(index, 0, -1));
  }

  /** True when {@code ticketId} was not used anywhere in the cluster; remembers it until then. */
  public boolean firstUse(String ticketId, Duration remember) {
    return call(() -> "OK".equals(redis.set(TICKET + ticketId, config.nodeId(),
        SetParams.setParams().nx().px(Math.max(1, remember.toMillis())))));
  }

  /** Every live entry under {@code prefix}, parsed (unparseable ones are skipped). */
  public List<JsonNode> all(String prefix) {
    return call(() -> values(scan(prefix)));
  }

  /** The entries of {@code keys}, parsed, a batch at a time; absent ones are skipped. */
  private List<JsonNode> values(List<String> keys) {
    List<JsonNode> found = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += SCAN_BATCH) {
      List<String> batch = keys.subList(from, Math.min(keys.size(), from + SCAN_BATCH));
      for (String value : redis.mget(batch.toArray(String[]::new))) {
        parse(value).ifPresent(found::add);
      }
    }
    return found;
  }

  /** One entry, parsed; empty when absent (or expired). */
  public Optional<JsonNode> get(String key) {
    return call(() -> parse(redis.get(key)));
  }

  /** Tells every node (this one too) to end a session; the node that holds it does. */
  public void publishTerminate(String message) {
    call(() -> redis.publish(TERMINATE, message));
  }

  /** Bytes Redis spends on one key (for the benchmark's memory per agent). */
  public long memoryUsage(String key) {
    return call(() -> {
      Long used = redis.memoryUsage(key);
      return used == null ? 0L : used;
    });
  }

  /**
   * Hears terminate messages (and the channels of {@link #listen}) on a thread of its own, subscribing again whenever Redis drops the
   * connection (e.g. while it restarts), until {@link #close}.
   */
  public void onTerminate(BiConsumer<String, String> listener) {
    Thread thread = new Thread(() -> {
      while (!closed) {
        JedisPubSub pubSub = new JedisPubSub() {
          @Override
          public void onMessage(String channel, String message) {
            Consumer<String> other = channels.get(channel);
            if (other != null) {
              other.accept(message);
            } else {
              listener.accept(channel, message);
            }
          }
        };
        subscription = pubSub;
        List<String> subscribed = new ArrayList<>(channels.keySet());
        subscribed.add(TERMINATE);
        try {
          redis.subscribe(pubSub, subscribed.toArray(String[]::new));
        } catch (JedisException e) {
          if (!closed) {
            LOG.debug("cluster subscription lost cause={}", e.toString());
            pause(config.renewEvery());
          }
        }
      }
    }, "relay-cluster-subscriber");
    thread.setDaemon(true);
    subscriber = thread;
    thread.start();
  }

  /** Has {@code listener} hear {@code channel} too; call before the subscription starts. */
  public void listen(String channel, Consumer<String> listener) {
    channels.put(channel, listener);
  }

  /** Publishes {@code message} on {@code channel} to every node, this one too. */
  public void publish(String channel, String message) {
    call(() -> redis.publish(channel, message));
  }

  /** Every field of a hash (empty when absent). */
  public Map<String, String> hash(String key) {
    return call(() -> redis.hgetAll(key));
  }

  /** One field of a hash, or null. */
  public String hashField(String key, String field) {
    return call(() -> redis.hget(key, field));
  }

  /** Sets a hash field and keeps the hash for {@code keep} after its last write. */
  public void putField(String key, String field, String value, Duration keep) {
    call(() -> {
      Pipeline pipe = (Pipeline) redis.pipelined();
      try (pipe) {
        pipe.hset(key, field, value);
        pipe.pexpire(key, keep.toMillis());
        pipe.sync();
      }
      return null;
    });
  }

  /** Removes hash fields; true when the first was there. */
  public boolean removeFields(String key, String... fields) {
    return call(() -> {
      Pipeline pipe = (Pipeline) redis.pipelined();
      try (pipe) {
        var first = pipe.hdel(key, fields[0]);
        if (fields.length > 1) {
          pipe.hdel(key, Arrays.copyOfRange(fields, 1, fields.length));
        }
        pipe.sync();
        return first.get() > 0;
      }
    });
  }

  /** Adds {@code by} to a hash field's number; the number after. */
  public long addToField(String key, String field, long by, Duration keep) {
    return call(() -> {
      Pipeline pipe = (Pipeline) redis.pipelined();
      try (pipe) {
        var after = pipe.hincrBy(key, field, by);
        pipe.pexpire(key, keep.toMillis());
        pipe.sync();
        return after.get();
      }
    });
  }

  /** Pushes {@code value} at the head of a list cut to {@code max} entries. */
  public void pushBounded(String key, String value, int max, Duration keep) {
    call(() -> {
      Pipeline pipe = (Pipeline) redis.pipelined();
      try (pipe) {
        pipe.lpush(key, value);
        pipe.ltrim(key, 0, max - 1L);
        pipe.pexpire(key, keep.toMillis());
        pipe.sync();
      }
      return null;
    });
  }

  /** A list's first {@code max} entries, head first. */
  public List<String> list(String key, int max) {
    return call(() -> redis.lrange(key, 0, max - 1L));
  }

  /** Deletes keys. */
  public void delete(String... keys) {
    call(() -> redis.del(keys));
  }

  /** The keys under {@code prefix}. */
  public List<String> keys(String prefix) {
    return call(() -> scan(prefix));
  }

  /** Every key under {@code prefix}, a page of {@link #SCAN_BATCH} at a time (never KEYS). */
  private List<String> scan(String prefix) {
    List<String> keys = new ArrayList<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    ScanParams match = new ScanParams().match(prefix + "*").count(SCAN_BATCH);
    do {
      ScanResult<String> page = redis.scan(cursor, match);
      keys.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return keys;
  }

  /** Runs a Lua script atomically in Redis; its answer. */
  public Object script(String lua, List<String> keys, List<String> args) {
    return call(() -> redis.eval(lua, keys, args));
  }

  /** Whether the last Redis call worked. */
  public boolean reachable() {
    return reachable;
  }

  private <T> T call(Callable<T> command) {
    try {
      T result = callOnce(command);
      if (!reachable) {
        reachable = true;
        LOG.info("cluster redis reachable again redis={}:{}", config.redis().getHost(),
            config.redis().getPort());
      }
      return result;
    } catch (JedisException e) {
      if (reachable) {
        reachable = false;
        LOG.warn("cluster redis unreachable redis={}:{} cause={}; serving local sessions only until"
            + " it is back", config.redis().getHost(), config.redis().getPort(), e.toString());
      }
      throw new Unavailable("the cluster's Redis at " + config.redis().getHost() + ":"
          + config.redis().getPort() + " cannot be reached (" + e.getClass().getSimpleName()
          + ")", e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs {@code command}; when a pooled connection turns out broken (Redis restarted since it was
   * opened), drops every idle connection and tries once more on a fresh one.
   */
  private <T> T callOnce(Callable<T> command) throws Exception {
    try {
      return command.call();
    } catch (JedisConnectionException e) {
      redis.getPool().clear();
      return command.call();
    }
  }

  static Optional<JsonNode> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readTree(value));
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  static String json(Map<String, ?> fields) {
    try {
      return Json.MAPPER.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> fields() {
    return new HashMap<>();
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis()); // between resubscribe attempts, not a test wait
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    JedisPubSub pubSub = subscription;
    try {
      if (pubSub != null && pubSub.isSubscribed()) {
        pubSub.unsubscribe();
      }
    } catch (RuntimeException e) {
      LOG.debug("cluster unsubscribe failed cause={}", e.toString());
    }
    Thread thread = subscriber;
    if (thread != null) {
      thread.interrupt();
    }
    redis.close();
  }
}
