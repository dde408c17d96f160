package dev.tether.relay.devtools;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The URLs a person pastes into a debugger to attach with a ticket: the raw CDP WebSocket, Chrome's
 * built-in DevTools, the front end the relay offers, and a VS Code launch configuration.
 */
public final class DebugUrls {
  private final URI publicUrl;

  public DebugUrls(URI publicUrl) {
    this.publicUrl = publicUrl;
  }

  private boolean secure() {
    return publicUrl.getScheme().equalsIgnoreCase("https");
  }

  /** {@code ws(s)://host:port/devtools/<ticket>}. */
  public String webSocketDebuggerUrl(String ticket) {
    return (secure() ? "wss://" : "ws://") + hostPort() + "/devtools/" + ticket;
  }

  /** Chrome's own DevTools, attached to this relay: paste into the address bar. */
  public String chromeDevtoolsUrl(String ticket) {
    return "devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&"
        + (secure() ? "wss=" : "ws=") + hostPort() + "/devtools/" + ticket;
  }

  /**
   * The DevTools front end the relay hosts (chii's, with a Node file tree in Sources): an ordinary
   * https/http page, so a console can open it in a new tab, unlike devtools:// links.
   */
  public String devtoolsFrontendUrl(String ticket) {
    return publicUrl + "/devtools/tether_app.html?" + (secure() ? "wss=" : "ws=") + hostPort()
        + "/devtools/" + ticket;
  }

  /**
   * The hosted DevTools' Node front end for a function session: it discovers the instances with
   * the Target domain and sets each breakpoint on every one.
   */
  public String nodeFrontendUrl(String ticket) {
    return publicUrl + "/devtools/tether_node_app.html?" + (secure() ? "wss=" : "ws=") + hostPort()
        + "/devtools/" + ticket;
  }

  /** Chrome's own Node front end for a function session. */
  public String chromeNodeUrl(String ticket) {
    return "devtools://devtools/bundled/node_app.html?experiments=true&"
        + (secure() ? "wss=" : "ws=") + hostPort() + "/devtools/" + ticket;
  }

  /** A VS Code {@code launch.json} configuration that attaches to the session. */
  public Map<String, Object> vscode(String function, String ticket) {
    Map<String, Object> launch = new LinkedHashMap<>();
    launch.put("type", "node");
    launch.put("request", "attach");
    launch.put("name", "Tether: " + function);
    launch.put("websocketAddress", webSocketDebuggerUrl(ticket));
    return launch;
  }

  private String hostPort() {
    return publicUrl.getRawAuthority();
  }
}
