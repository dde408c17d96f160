package dev.tether.shim.inspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class InspectorDirectoryTest {
  private static final String VERSION =
      "{\"Browser\": \"node.js/v20.20.2\", \"Protocol-Version\": \"1.1\"}";
  private static final String LIST =
      """
      [ {
        "description": "node.js instance",
        "id": "2e6972fe",
        "title": "node[11775]",
        "type": "node",
        "url": "file:///srv/server.js",
        "webSocketDebuggerUrl": "ws://0.0.0.0:9339/2e6972fe"
      } ]
      """;

  @Test
  void theRuntimeAndTargetsAreReadFromNodesAnswers() {
    InspectorSnapshot snapshot = InspectorDirectory.parse("127.0.0.1:9339", VERSION, LIST);

    assertThat(snapshot.runtime()).isEqualTo("node v20.20.2");
    assertThat(snapshot.publicTargets()).singleElement()
        .satisfies(target -> {
          assertThat(target.id()).isEqualTo("2e6972fe");
          assertThat(target.type()).isEqualTo("node");
          assertThat(target.title()).isEqualTo("node[11775]");
          assertThat(target.url()).isEqualTo("file:///srv/server.js");
        });
  }

  @Test
  void theWebSocketUrlUsesTheAddressTheShimWasGivenNotTheOneNodePublished() {
    InspectorSnapshot snapshot = InspectorDirectory.parse("127.0.0.1:9339", VERSION, LIST);

    assertThat(snapshot.target("2e6972fe")).get()
        .extracting(InspectorTarget::webSocketUrl)
        .isEqualTo(URI.create("ws://127.0.0.1:9339/2e6972fe"));
  }

  @Test
  void aTargetWithoutAPublishedUrlGetsNodesPathForIt() {
    InspectorSnapshot snapshot =
        InspectorDirectory.parse("[::1]:9229", "{}", "[{\"id\":\"abc\"}]");

    assertThat(snapshot.runtime()).isEqualTo("node");
    assertThat(snapshot.target("abc").get().webSocketUrl()).isEqualTo(URI.create("ws://[::1]:9229/abc"));
  }

  @Test
  void nestedValuesAndEntriesThatAreNoObjectsAreSkipped() {
    InspectorSnapshot snapshot = InspectorDirectory.parse("127.0.0.1:9229",
        "{\"Browser\":\"node.js/v22.1.0\",\"extra\":{\"Browser\":\"x\"}}",
        "[1, \"x\", {\"id\":{\"nested\":true}}, {\"faviconUrl\":[\"a\"],\"id\":\"abc\"}]");

    assertThat(snapshot.runtime()).isEqualTo("node v22.1.0");
    assertThat(snapshot.publicTargets()).extracting(t -> t.id()).containsExactly("abc");
  }

  @Test
  void anAnswerThatIsNotJsonSaysWhichInspectorGaveIt() {
    assertThatThrownBy(() -> InspectorDirectory.parse("127.0.0.1:9229", VERSION, "<html>"))
        .hasMessageContaining("the inspector at 127.0.0.1:9229 answered something that is not JSON");
    assertThatThrownBy(() -> InspectorDirectory.parse("127.0.0.1:9229", VERSION, "[{\"id\":"))
        .hasMessageContaining("not JSON");
  }
}
