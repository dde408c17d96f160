package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SnapshotRedactionTest {
  private final SnapshotRedaction redaction =
      new SnapshotRedaction(SnapshotRedaction.DEFAULT_WORDS);

  @Test
  void namesThatContainADeniedWordInAnyCaseAreDenied() {
    assertThat(redaction.denies("password")).isTrue();
    assertThat(redaction.denies("dbPassword")).isTrue();
    assertThat(redaction.denies("X-Auth-Token")).isTrue();
    assertThat(redaction.denies("apiKey")).isTrue();
    assertThat(redaction.denies("event.headers.cookie")).isTrue();
    assertThat(redaction.denies("total")).isFalse();
  }

  @Test
  void aDeniedVariableIsMaskedAtAnyDepthAndLosesItsChildren() throws Exception {
    JsonNode scopes = new ObjectMapper().readTree("""
        [{"frame":0,"type":"local","variables":[
          {"name":"password","type":"string","value":"hunter2"},
          {"name":"user","type":"object","value":"Object","children":[
            {"name":"name","type":"string","value":"ada"},
            {"name":"secrets","type":"object","value":"Object","children":[
              {"name":"pin","type":"number","value":"1234"}]}]}]}]""");

    assertThat(redaction.mask(scopes)).isEqualTo(2);

    assertThat(scopes.toString()).doesNotContain("hunter2").doesNotContain("1234")
        .contains("ada");
    assertThat(scopes.at("/0/variables/0/value").asText()).isEqualTo(SnapshotRedaction.MASK);
  }

  @Test
  void aTemplateNamesItsExpressionsAndOnlyDottedNamesArePlainPaths() {
    assertThat(SnapshotPoint.templateExpressions("total={total} for {event.customer}"))
        .containsExactly("total", "event.customer");
    assertThat(SnapshotPoint.isPlainPath("event.customer")).isTrue();
    assertThat(SnapshotPoint.isPlainPath("items.length")).isTrue();
    assertThat(SnapshotPoint.isPlainPath("items.map(i => i)")).isFalse();
    assertThat(SnapshotPoint.isPlainPath("a[0]")).isFalse();
    assertThat(SnapshotPoint.isPlainPath("x = 1")).isFalse();
  }
}
