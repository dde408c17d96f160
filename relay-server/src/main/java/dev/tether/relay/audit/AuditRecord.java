package dev.tether.relay.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * One sealed link of the audit chain: the event's fields plus {@code seq}, {@code prev} (the hash
 * of the record before it) and {@code hash}. The hash is SHA-256 over the canonical form: the
 * record without {@code hash} as compact JSON, keys sorted at every level, UTF-8. The stored
 * line is that canonical form with {@code hash} added, so any store can verify it alone.
 *
 * @param fields every field of the record, {@code seq}, {@code prev} and {@code hash} included
 * @param line the stored text (no newline)
 */
public record AuditRecord(long seq, String prev, String hash, Map<String, Object> fields,
    String line) {

  /** The {@code prev} of the very first record. */
  public static final String GENESIS = "0".repeat(64);

  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();
  private static final TypeReference<TreeMap<String, Object>> MAP = new TypeReference<>() {};

  /** Seals {@code event} as record {@code seq} following the record whose hash is {@code prev}. */
  public static AuditRecord seal(long seq, String prev, AuditEvent event) {
    Map<String, Object> fields = new TreeMap<>();
    fields.put("seq", seq);
    fields.put("time", event.time().toString());
    fields.put("code", event.code().code());
    fields.put("type", event.code().type());
    put(fields, "actor", event.actor());
    put(fields, "role", event.role());
    put(fields, "function", event.function());
    put(fields, "instance", event.instance());
    put(fields, "session", event.session());
    put(fields, "remote", event.remote());
    fields.put("details", new TreeMap<>(event.details()));
    fields.put("prev", prev);
    String hash = hashOf(fields);
    fields.put("hash", hash);
    return new AuditRecord(seq, prev, hash, fields, write(fields));
  }

  /**
   * Reads a stored line back; throws {@link IllegalArgumentException} when it is not a record
   * at all (not JSON, or without seq/prev/hash). Whether its hash is right is {@link #intact}.
   */
  public static AuditRecord parse(String line) {
    TreeMap<String, Object> fields;
    try {
      fields = CANONICAL.readValue(line, MAP);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (fields == null || !(fields.get("seq") instanceof Number seq)
        || !(fields.get("prev") instanceof String prev)
        || !(fields.get("hash") instanceof String hash)) {
      throw new IllegalArgumentException("seq, prev or hash missing");
    }
    return new AuditRecord(seq.longValue(), prev, hash, fields, line);
  }

  /** True when the hash matches the content. */
  public boolean intact() {
    Map<String, Object> content = new TreeMap<>(fields);
    content.remove("hash");
    return hashOf(content).equals(hash);
  }

  public String text(String field) {
    Object value = fields.get(field);
    return value == null ? null : value.toString();
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> details() {
    Object details = fields.get("details");
    return details instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  private static void put(Map<String, Object> fields, String key, String value) {
    if (value != null) {
      fields.put(key, value);
    }
  }

  private static String hashOf(Map<String, Object> content) {
    try {
      byte[] canonical = write(content).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static String write(Map<String, Object> fields) {
    try {
      return CANONICAL.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an audit record cannot be written as JSON", e);
    }
  }
}
