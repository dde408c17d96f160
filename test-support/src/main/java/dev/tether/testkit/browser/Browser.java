package dev.tether.testkit.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its own chromedriver, for one test class: both come
 * from the system (never downloaded; Selenium Manager is skipped because the driver's path is
 * given), at 1280x720, with the page console captured and screenshots saved under
 * {@code target/screenshots/}. Without Chromium the tests are skipped, unless CI=true, where a
 * missing browser fails them. It is its own JUnit extension ({@link #perClass}), so a browser test
 * class does not repeat the set-up and tear-down.
 */
public final class Browser implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  public static final Path CHROMIUM = Path.of(System.getProperty("tether.chromium", "/usr/bin/chromium"));
  public static final Path CHROMEDRIVER =
      Path.of(System.getProperty("tether.chromedriver", "/usr/bin/chromedriver"));
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private final String prefix;
  private ChromeDriverService service;
  private ChromeDriver driver;
  private Path profile;

  private Browser(String prefix) {
    this.prefix = prefix;
  }

  /**
   * A browser for one test class, started before its {@code @BeforeAll} methods and closed after
   * its {@code @AfterAll} ones: {@code @RegisterExtension static final Browser browser =
   * Browser.perClass("console");}. Screenshots are named {@code {prefix}-{name}.png}.
   */
  public static Browser perClass(String screenshotPrefix) {
    return new Browser(screenshotPrefix);
  }

  /** Starts Chromium now; skips the calling test when it is missing outside CI. */
  public static Browser start(String screenshotPrefix) throws IOException {
    Browser browser = new Browser(screenshotPrefix);
    browser.launch();
    return browser;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    launch();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @SuppressWarnings("unchecked")
  private void launch() throws IOException {
    requireChromium();
    if (driver != null) {
      throw new IllegalStateException("the browser " + prefix + " is already started");
    }
    profile = Files.createTempDirectory("tether-chromium-");
    service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,720", "--lang=en-US",
        "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    // --window-size counts the (invisible) browser frame; make the page itself 1280x720.
    Dimension outer = driver.manage().window().getSize();
    List<Long> inner = (List<Long>) ((JavascriptExecutor) driver)
        .executeScript("return [window.innerWidth, window.innerHeight];");
    driver.manage().window().setSize(new Dimension(
        1280 + outer.getWidth() - inner.get(0).intValue(),
        720 + outer.getHeight() - inner.get(1).intValue()));
    Files.createDirectories(SCREENSHOTS);
  }

  /** JUnit assumption on a laptop without Chromium; a failure in CI, where it must be installed. */
  public static void requireChromium() {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    String message = "browser tests need Chromium at " + CHROMIUM + " and chromedriver at "
        + CHROMEDRIVER + " (Debian: apt-get install chromium chromium-driver)";
    if ("true".equalsIgnoreCase(System.getenv("CI")) && !present) {
      throw new AssertionError(message + "; .ci/run installs them");
    }
    Assumptions.assumeTrue(present, "skipped: " + message);
  }

  /** The WebDriver; fails before the browser has started. */
  public WebDriver driver() {
    if (driver == null) {
      throw new IllegalStateException("the browser is not started: register it with "
          + "@RegisterExtension or call Browser.start() first");
    }
    return driver;
  }

  public void open(String url) {
    driver().get(url);
  }

  /** Waits up to {@code timeout} for {@code condition} to give a non-null, non-false value. */
  public <T> T await(Duration timeout, String what, Function<WebDriver, T> condition) {
    try {
      return new WebDriverWait(driver(), timeout, Duration.ofMillis(100))
          .withMessage(() -> "waiting for " + what + " on " + page())
          .ignoring(StaleElementReferenceException.class)
          .until(condition::apply);
    } catch (RuntimeException e) {
      screenshot("failed-" + what.replaceAll("[^A-Za-z0-9]+", "-"));
      throw e;
    }
  }

  /** Checks {@code condition} for all of {@code period}; fails as soon as it is false. */
  public void staysTrue(Duration period, String what, BooleanSupplier condition) {
    long end = System.nanoTime() + period.toNanos();
    while (System.nanoTime() < end) {
      if (!condition.getAsBoolean()) {
        throw new AssertionError("no longer true: " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  /** The current URL without its query and fragment, which may hold a token or a ticket. */
  public String page() {
    String url = driver().getCurrentUrl();
    int cut = url.indexOf('?') >= 0 ? url.indexOf('?') : url.indexOf('#');
    return cut >= 0 ? url.substring(0, cut) + "?…" : url;
  }

  /** Runs a script in the page; see {@link JavascriptExecutor#executeScript}. */
  @SuppressWarnings("unchecked")
  public <T> T script(String script, Object... args) {
    return (T) ((JavascriptExecutor) driver()).executeScript(script, args);
  }

  /**
   * The first element matching a CSS selector anywhere in the page, shadow roots included (the
   * DevTools front end is built from web components), or null.
   */
  public WebElement deep(String selector) {
    return script(DEEP_QUERY + "return deep(document, arguments[0])[0] || null;", selector);
  }

  /** Every element matching a CSS selector, shadow roots included. */
  public List<WebElement> deepAll(String selector) {
    return script(DEEP_QUERY + "return deep(document, arguments[0]);", selector);
  }

  /** The text of every element matching a CSS selector, shadow roots included. */
  public List<String> deepTexts(String selector) {
    return script(DEEP_QUERY + "return deep(document, arguments[0]).map(e => e.textContent);",
        selector);
  }

  private static final String DEEP_QUERY = """
      function deep(root, selector) {
        const found = [...root.querySelectorAll(selector)];
        for (const el of root.querySelectorAll('*')) {
          if (el.shadowRoot) found.push(...deep(el.shadowRoot, selector));
        }
        return found;
      }
      """;

  /** Switches to the tab that is not {@code current}, waiting until it exists. */
  public String switchToNewTab(String current, Duration timeout) {
    String tab = await(timeout, "a new tab", d -> {
      Set<String> handles = d.getWindowHandles();
      return handles.stream().filter(h -> !h.equals(current)).findFirst().orElse(null);
    });
    driver().switchTo().window(tab);
    return tab;
  }

  /** Saves a PNG of the current tab as target/screenshots/{prefix}-{name}.png. */
  public Path screenshot(String name) {
    Path file = SCREENSHOTS.resolve(prefix + "-" + name + ".png");
    try {
      Files.copy(((ChromeDriver) driver()).getScreenshotAs(OutputType.FILE).toPath(), file,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** The console messages of the current tab since the last call. */
  public List<LogEntry> console() {
    return new ArrayList<>(driver().manage().logs().get(LogType.BROWSER).getAll());
  }

  /** Console errors (and failed loads) of the current tab since the last call. */
  public List<String> consoleErrors() {
    return console().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  @Override
  public void close() {
    if (driver == null) {
      return;
    }
    try {
      driver.quit();
    } finally {
      driver = null;
      service.stop();
      try (var files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a leftover temporary profile is harmless
      }
    }
  }

  public static Map<String, Object> map(Object value) {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) value;
    return map;
  }
}
