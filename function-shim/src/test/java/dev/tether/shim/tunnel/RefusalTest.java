package dev.tether.shim.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RefusalTest {
  private static Refusal refusal(HttpResponseStatus status, String body) {
    return Refusal.of(
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
  }

  @Test
  void anUnauthorizedRefusalSaysWhatTheRelaySaidAndHowToGetAToken() {
    Refusal refusal =
        refusal(HttpResponseStatus.UNAUTHORIZED, "{\"error\":\"invalid_token\",\"message\":\"expired\"}");

    assertThat(refusal.auth()).isTrue();
    assertThat(refusal.describe("orders"))
        .contains("status=401", "error=invalid_token", "message=\"expired\"")
        .contains("./tether token agent --function orders");
  }

  @Test
  void aForbiddenRefusalNamesTheFunction() {
    Refusal refusal = refusal(HttpResponseStatus.FORBIDDEN, "{\"error\":\"forbidden\"}");

    assertThat(refusal.describe("billing")).contains("status=403", "function=billing");
  }

  @Test
  void aBodyThatIsNotJsonIsKeptShort() {
    Refusal refusal = refusal(HttpResponseStatus.BAD_GATEWAY, "<html>" + "x".repeat(5000));

    assertThat(refusal.auth()).isFalse();
    assertThat(refusal.describe("orders")).contains("status=502", "<html>").hasSizeLessThan(400);
  }
}
