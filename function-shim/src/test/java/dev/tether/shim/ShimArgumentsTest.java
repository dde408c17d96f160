package dev.tether.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShimArgumentsTest {
  private static final Map<String, String> NO_ENV = Map.of();

  private static ShimConfig parse(String line, Map<String, String> env) throws UsageException {
    return ShimArguments.parse(line.isEmpty() ? new String[0] : line.split(" "), env);
  }

  @Test
  void wrapModeTakesEverythingAfterTheDoubleDashAsTheCommand() throws Exception {
    ShimConfig config =
        parse("--relay http://relay:9300 --token t --function orders -- node server.js --verbose", NO_ENV);

    assertThat(config.wraps()).isTrue();
    assertThat(config.command()).containsExactly("node", "server.js", "--verbose");
    assertThat(config.relay()).isEqualTo(URI.create("ws://relay:9300/agent"));
    assertThat(config.function()).isEqualTo("orders");
    assertThat(config.inspector()).isNull();
  }

  @Test
  void waitForDebuggerHoldsSixtySecondsByDefaultAndNeverSwallowsTheNextArgument() throws Exception {
    ShimConfig config =
        parse("--relay ws://r --token t --function f --wait-for-debugger -- node s.js", NO_ENV);

    assertThat(config.waitForDebugger()).isEqualTo(java.time.Duration.ofSeconds(60));
    assertThat(config.command()).containsExactly("node", "s.js");
  }

  @Test
  void holdForFunctionSessionsHoldsAtMostTenSecondsByDefaultOrTheTimeGiven() throws Exception {
    assertThat(parse("--relay ws://r --token t --function f --hold-for-function-sessions"
        + " -- node s.js", NO_ENV).holdForFunctionSessions())
        .isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(parse("--relay ws://r --token t --function f --hold-for-function-sessions=3s"
        + " -- node s.js", NO_ENV).holdForFunctionSessions())
        .isEqualTo(java.time.Duration.ofSeconds(3));
    assertThatThrownBy(() -> parse("--relay ws://r --token t --function f"
        + " --hold-for-function-sessions --wait-for-debugger -- node s.js", NO_ENV))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("replaces --wait-for-debugger");
  }

  @Test
  void waitForDebuggerTakesATimeout() throws Exception {
    assertThat(parse("--relay ws://r --token t --function f --wait-for-debugger=1500ms -- node s.js",
            NO_ENV).waitForDebugger())
        .isEqualTo(java.time.Duration.ofMillis(1500));
    assertThat(parse("--relay ws://r --token t --function f --wait-for-debugger=5m -- node s.js",
            NO_ENV).waitForDebugger())
        .isEqualTo(java.time.Duration.ofMinutes(5));
  }

  @Test
  void waitForDebuggerRefusesATimeItCannotRead() {
    assertThatThrownBy(
            () -> parse("--relay ws://r --token t --function f --wait-for-debugger=soon -- node s.js",
                NO_ENV))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("500ms, 30s or 5m");
  }

  @Test
  void waitForDebuggerNeedsAFunctionTheShimStarts() {
    assertThatThrownBy(
            () -> parse("--relay ws://r --token t --function f --wait-for-debugger"
                + " --inspector 127.0.0.1:9229", NO_ENV))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("wrap mode");
  }

  @Test
  void pidModeTethersARunningProcessAndOpensItsInspectorOnDemand() throws Exception {
    ShimConfig config = parse("--relay ws://r --token t --function f --pid 4242", NO_ENV);

    assertThat(config.pid()).isEqualTo(4242L);
    assertThat(config.wraps()).isFalse();
    assertThat(config.opensInspectorOnDemand()).isTrue();
  }

  @Test
  void inspectOnDemandIsAWrapModeFlagThatTakesNoValue() throws Exception {
    ShimConfig config =
        parse("--relay ws://r --token t --function f --inspect-on-demand -- node s.js", NO_ENV);

    assertThat(config.inspectOnDemand()).isTrue();
    assertThat(config.command()).containsExactly("node", "s.js");
    assertThatThrownBy(() -> parse(
            "--relay ws://r --token t --function f --inspect-on-demand -- npm start", NO_ENV))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("starts with node");
  }

  @Test
  void onlyOneWayToFindTheFunctionIsAccepted() {
    assertThatThrownBy(() -> parse(
            "--relay ws://r --token t --function f --pid 12 --inspector 127.0.0.1:9229", NO_ENV))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("choose one");
  }

  @Test
  void attachModeTakesAnInspectorAddress() throws Exception {
    ShimConfig config =
        parse("--relay=wss://relay.example --token=t --function=orders --inspector=127.0.0.1:9229", NO_ENV);

    assertThat(config.wraps()).isFalse();
    assertThat(config.inspector()).isEqualTo("127.0.0.1:9229");
    assertThat(config.relay()).isEqualTo(URI.create("wss://relay.example/agent"));
  }

  @Test
  void theEnvironmentFillsWhatTheCommandLineLeavesOut() throws Exception {
    Map<String, String> env =
        Map.of(
            "TETHER_RELAY_URL", "https://relay.example/tether",
            "TETHER_AGENT_TOKEN", "secret",
            "TETHER_FUNCTION", "orders",
            "TETHER_INSTANCE", "orders-7");

    ShimConfig config = parse("-- node server.js", env);

    assertThat(config.relay()).isEqualTo(URI.create("wss://relay.example/tether/agent"));
    assertThat(config.token()).isEqualTo("secret");
    assertThat(config.instance()).isEqualTo("orders-7");
  }

  @Test
  void theCommandLineWinsOverTheEnvironment() throws Exception {
    ShimConfig config =
        parse("--function billing -- node a.js", Map.of(
            "TETHER_RELAY_URL", "ws://r", "TETHER_AGENT_TOKEN", "t", "TETHER_FUNCTION", "orders"));

    assertThat(config.function()).isEqualTo("billing");
  }

  @Test
  void aMissingTokenSaysHowToGetOne() {
    assertThatThrownBy(() -> parse("--relay ws://r --function f -- node a.js", NO_ENV))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("TETHER_AGENT_TOKEN")
        .hasMessageContaining("./tether token agent");
  }

  @Test
  void aMissingRelayOrFunctionNamesTheOptionAndTheVariable() {
    assertThatThrownBy(() -> parse("--token t --function f -- node a.js", NO_ENV))
        .hasMessageContaining("--relay").hasMessageContaining("TETHER_RELAY_URL");
    assertThatThrownBy(() -> parse("--relay ws://r --token t -- node a.js", NO_ENV))
        .hasMessageContaining("--function").hasMessageContaining("TETHER_FUNCTION");
  }

  @Test
  void neitherACommandNorAnInspectorIsNothingToTether() {
    assertThatThrownBy(() -> parse("--relay ws://r --token t --function f", NO_ENV))
        .hasMessageContaining("nothing to tether").hasMessageContaining("-- node server.js");
  }

  @Test
  void bothACommandAndAnInspectorIsRefused() {
    assertThatThrownBy(
            () -> parse("--relay ws://r --token t --function f --inspector h:1 -- node a.js", NO_ENV))
        .hasMessageContaining("choose one");
  }

  @Test
  void unknownOptionsAndStrayArgumentsAreRefusedWithAHint() {
    assertThatThrownBy(() -> parse("--relay ws://r --colour blue -- node a.js", NO_ENV))
        .hasMessageContaining("unknown option --colour");
    assertThatThrownBy(() -> parse("--relay ws://r --token t --function f node a.js", NO_ENV))
        .hasMessageContaining("unexpected argument 'node'").hasMessageContaining("after --");
  }

  @Test
  void anOptionWithoutAValueIsRefused() {
    assertThatThrownBy(() -> parse("--token t --function f --relay", NO_ENV))
        .hasMessageContaining("--relay needs a value");
  }

  @Test
  void aBadInspectorAddressShowsAnExample() {
    assertThatThrownBy(() -> parse("--relay ws://r --token t --function f --inspector 9229", NO_ENV))
        .hasMessageContaining("HOST:PORT").hasMessageContaining("127.0.0.1:9229");
  }

  @Test
  void helpIsRecognisedOnlyBeforeTheCommand() {
    assertThat(ShimArguments.wantsHelp(new String[] {"--help"})).isTrue();
    assertThat(ShimArguments.wantsHelp(new String[] {"--", "node", "--help"})).isFalse();
  }

  @Test
  void severalCommaSeparatedRelayUrlsAreAllKeptInOrder() throws Exception {
    ShimConfig config = ShimArguments.parse(
        new String[] {"--function", "orders", "--", "node", "f.js"},
        java.util.Map.of("TETHER_RELAY_URL", "ws://a:9300, https://b.example", "TETHER_AGENT_TOKEN", "t"));

    assertThat(config.relays()).containsExactly(
        URI.create("ws://a:9300/agent"), URI.create("wss://b.example/agent"));
    assertThat(config.relay()).isEqualTo(URI.create("ws://a:9300/agent"));
  }

  @Test
  void anEmptyEntryInTheRelayListIsRefusedWithWhatToWrite() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShimArguments.parse(
            new String[] {"--relay", "ws://a:9300,,ws://b:9300", "--token", "t", "--function",
                "orders", "--", "node", "f.js"}, java.util.Map.of()))
        .hasMessageContaining("single commas");
  }
}
