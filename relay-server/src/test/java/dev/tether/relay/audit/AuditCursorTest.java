package dev.tether.relay.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The paging cursor of the audit API, as handed out and taken back. */
class AuditCursorTest {
  @Test
  void aRelayAlonesCursorIsStillThePlainRecordNumber() {
    AuditQuery.Cursor cursor = new AuditQuery.Cursor("", 42);

    assertThat(cursor).hasToString("42");
    assertThat(AuditQuery.Cursor.parse("42")).isEqualTo(cursor);
  }

  @Test
  void aClusterCursorNamesTheNodeAndReadsBackTheSame() {
    AuditQuery.Cursor cursor = new AuditQuery.Cursor("relay-b.eu_1", 7);

    assertThat(cursor).hasToString("relay-b.eu_1:7");
    assertThat(AuditQuery.Cursor.parse(cursor.toString())).isEqualTo(cursor);
  }

  @Test
  void textThatIsNoCursorIsRefused() {
    for (String bad : new String[] {"", "x", "relay-a:", "relay-a:x", ":", "1.5"}) {
      assertThatThrownBy(() -> AuditQuery.Cursor.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> new AuditQuery.Cursor("a:b", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
