package dev.tether.relay.web;

import dev.tether.relay.http.ApiError;
import dev.tether.relay.http.Json;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * Serves the web module's files from the classpath folder {@code tether-web/} with Jetty's
 * {@link ResourceHandler}: the console at {@code /}, the embed script, the hosted DevTools under
 * {@code /devtools/} and the admin pages under {@code /admin}. Only GET and HEAD, only files of a
 * known type, each area with its own headers; every other request goes on to {@code next} (the
 * JSON API), and so does a {@code /devtools/…} path that is no file (a ticket without an upgrade).
 */
public final class WebFiles extends Handler.Wrapper {
  static final String CLASSPATH_ROOT = "tether-web/";

  /** The only types served; web/README.md lists why each is needed. */
  static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "json", "application/json",
      "svg", "image/svg+xml",
      "avif", "image/avif",
      "png", "image/png",
      "wasm", "application/wasm",
      "md", "text/markdown; charset=utf-8");

  private final Handler next;
  private final ResourceHandler files;
  private final WebArea console = WebArea.console("console");
  // The admin pages (issue 4) put their files under tether-web/admin/; they share the console's headers.
  private final WebArea admin = WebArea.console("admin");
  private final WebArea embed = WebArea.embed();
  private final WebArea devtools;

  /** A file to serve: the area it belongs to and its path under {@code tether-web/}. */
  private record Target(WebArea area, String path) {}

  public WebFiles(URI publicUrl, Handler next) {
    this.next = next;
    this.devtools = WebArea.devtools(publicUrl);
    MimeTypes.Mutable types = new MimeTypes.Mutable();
    types.clear();
    TYPES.forEach(types::addMimeMapping);
    files = new ResourceHandler(next) {
      @Override
      public MimeTypes getMimeTypes() {
        return types; // start() would replace anything set before with the server's defaults
      }
    };
    Resource root = ResourceFactory.of(files).newClassLoaderResource(CLASSPATH_ROOT);
    if (root == null) {
      throw new IllegalStateException("the classpath has no " + CLASSPATH_ROOT + " folder: the relay"
          + " needs the web module's jar (run the relay from tether-relay.jar or the Maven reactor)");
    }
    files.setBaseResource(root);
    files.setDirAllowed(false);
    files.setWelcomeFiles(List.of());
    files.setUseFileMapping(false);
    files.setEtags(true);
    setHandler(files);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    if (path.equals("/admin")) { // the admin pages use relative links, so they live under /admin/
      Response.sendRedirect(request, response, callback, "/admin/");
      return true;
    }
    Target target = target(path);
    if (target == null || !TYPES.containsKey(extension(target.path()))) {
      return next.handle(request, response, callback);
    }
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      Json.error(response, callback, new ApiError(405, "method_not_allowed",
          path + " is a static file; only GET and HEAD are supported"));
      return true;
    }
    target.area().headers().forEach(response.getHeaders()::put);
    Request served = target.path().equals(path)
        ? request
        : Request.serveAs(request, HttpURI.build(request.getHttpURI()).path(target.path()));
    return files.handle(served, response, callback);
  }

  /** Which file a path names, or null when it is no web file's path. */
  private Target target(String path) {
    if (path.equals("/") || path.equals("/index.html")) {
      return new Target(console, "/index.html");
    }
    if (path.equals("/favicon.ico")) { // every DevTools tab asks for it
      return new Target(console, "/assets/favicon.svg");
    }
    if (path.startsWith("/assets/")) {
      return new Target(console, path);
    }
    if (path.equals("/admin/")) {
      return new Target(admin, "/admin/index.html");
    }
    if (path.startsWith("/admin/")) {
      return new Target(admin, path);
    }
    if (path.startsWith("/embed/")) {
      return new Target(embed, path);
    }
    if (path.startsWith("/devtools/")) {
      return new Target(devtools, path);
    }
    return null;
  }

  private static String extension(String path) {
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    return dot > slash ? path.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
  }
}
