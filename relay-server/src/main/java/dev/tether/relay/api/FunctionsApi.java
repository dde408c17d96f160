package dev.tether.relay.api;

import dev.tether.relay.agent.AgentRegistry;
import dev.tether.relay.agent.AgentTunnel;
import dev.tether.relay.agent.Instance;
import dev.tether.relay.auth.TokenVerifier;
import dev.tether.relay.auth.UserPrincipal;
import dev.tether.relay.http.Exchange;
import dev.tether.relay.http.Router;
import dev.tether.relay.session.Sessions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code GET /api/functions}: the functions the caller may debug, with their live instances. */
public final class FunctionsApi {
  private final Callers callers;
  private final AgentRegistry registry;
  private final Sessions sessions;

  record InstanceView(String id, String runtime, String connectedAt, int sessions) {}

  record FunctionView(String function, List<InstanceView> instances) {}

  public FunctionsApi(TokenVerifier verifier, AgentRegistry registry, Sessions sessions) {
    this.callers = new Callers(verifier);
    this.registry = registry;
    this.sessions = sessions;
  }

  public void routes(Router router) {
    router.on("GET", "/api/functions", this::list);
  }

  private void list(Exchange exchange) throws Exception {
    UserPrincipal user = callers.user(exchange);
    List<FunctionView> functions = new ArrayList<>();
    for (Map.Entry<String, List<AgentTunnel>> entry : registry.byFunction().entrySet()) {
      if (!user.mayDebug(entry.getKey())) {
        continue;
      }
      List<InstanceView> instances = new ArrayList<>();
      for (AgentTunnel tunnel : entry.getValue()) {
        Instance i = tunnel.instance().orElseThrow();
        instances.add(new InstanceView(i.id(), i.runtime(), i.connectedAt().toString(),
            sessions.liveOn(i.function(), i.id()).size()));
      }
      functions.add(new FunctionView(entry.getKey(), instances));
    }
    exchange.json(200, functions);
  }
}
