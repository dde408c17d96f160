package dev.tether.relay.audit;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an attacker with write access to the storage but without the relay's key can do: the
 * record format and the hash are public, so records can be renumbered and re-hashed at will.
 */
public final class Tamper {
  private static final JsonMapper CANONICAL =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  private Tamper() {}

  /** The records renumbered from 1 and re-chained, each with a correct unkeyed hash. */
  public static List<String> rechain(List<AuditRecord> records) throws Exception {
    List<String> lines = new ArrayList<>();
    String prev = AuditRecord.GENESIS;
    long seq = 0;
    for (AuditRecord record : records) {
      Map<String, Object> fields = new TreeMap<>(record.fields());
      fields.remove("hash");
      fields.put("seq", ++seq);
      fields.put("prev", prev);
      byte[] canonical = CANONICAL.writeValueAsString(fields).getBytes(StandardCharsets.UTF_8);
      prev = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
      fields.put("hash", prev);
      String line = CANONICAL.writeValueAsString(fields);
      if (!AuditRecord.parse(line).intact()) {
        throw new AssertionError("the forged record does not hash as the relay's would: " + line);
      }
      lines.add(line);
    }
    return lines;
  }
}
