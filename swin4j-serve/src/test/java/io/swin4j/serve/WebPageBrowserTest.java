package io.swin4j.serve;

import io.swin4j.infer.SwinPredictor;
import io.swin4j.testing.Required;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The web page in a real headless Chromium (Debian's chromium + chromium-driver): upload an image, wait for the
 * top-5 and the overlay, switch to a shifted block, pick another query patch. Skipped where Chromium is not
 * installed (.ci/run installs it); the screenshot goes to target/web-page.png.
 */
class WebPageBrowserTest {

    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File DRIVER = new File("/usr/bin/chromedriver");
    static SwinPredictor predictor;
    static SwinServer server;
    static ChromeDriver browser;
    // Selenium warns that it has no DevTools bindings for this Chromium version; the test does not use them.
    // (A strong reference: the logging framework holds loggers weakly and would forget the level.)
    static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

    @BeforeAll
    static void start() throws Exception {
        Required.present(CHROMIUM.canExecute() && DRIVER.canExecute(), "Debian's chromium and chromium-driver",
                "apt-get install chromium chromium-driver");
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
        predictor = SwinPredictor.builder().build();
        server = SwinServer.start(predictor, ServeOptions.defaults().optPort(0));
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1100,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
        if (predictor != null) predictor.close();
    }

    static void waitFor(String what, Supplier<Boolean> condition) {
        try {
            await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Boolean.TRUE.equals(condition.get()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; status: "
                    + browser.findElement(By.id("status")).getText(), e);
        }
    }

    /** Pixels of the overlay canvas: [pixels, distinct colours, red-tinted pixels]. */
    @SuppressWarnings("unchecked")
    static List<Long> canvasStats() {
        return (List<Long>) ((JavascriptExecutor) browser).executeScript(
                "const c = document.getElementById('overlay');"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "const colours = new Set(); let red = 0;"
                        + "for (let i = 0; i < d.length; i += 4) {"
                        + "  colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);"
                        + "  if (d[i] > d[i + 1] + 60 && d[i] > d[i + 2] + 60) red++; }"
                        + "return [d.length / 4, colours.size, red];");
    }

    @Test
    void uploadShowsTopFiveAndDrawsTheWindowsAndAttention() throws Exception {
        browser.get(server.uri().toString());
        waitFor("the model description", () -> browser.findElement(By.id("model")).getText().contains("10 classes"));
        Path image = Path.of("..", "samples", "0000-ankle-boot.png").toAbsolutePath().normalize();
        browser.findElement(By.id("file")).sendKeys(image.toString());

        waitFor("five result bars", () -> browser.findElements(By.cssSelector("#results .bar")).size() == 5);
        List<WebElement> labels = browser.findElements(By.cssSelector("#results .bar .label"));
        assertThat(labels.get(0).getText()).isEqualTo("Ankle boot");
        assertThat(labels.stream().map(WebElement::getText).distinct()).hasSize(5);
        WebElement canvas = browser.findElement(By.id("overlay"));
        waitFor("the overlay", () -> "true".equals(canvas.getDomAttribute("data-drawn")));
        assertThat(canvas.getDomAttribute("data-shifted")).isEqualTo("false");
        List<Long> regular = canvasStats();
        assertThat(regular.get(1)).as("distinct colours: image, heat-map and grid").isGreaterThan(50);
        assertThat(regular.get(2)).as("red attention pixels").isGreaterThan(1000);

        new Select(browser.findElement(By.id("block"))).selectByValue("1");
        waitFor("the shifted block", () -> "true".equals(canvas.getDomAttribute("data-shifted")));
        String before = canvas.getDomAttribute("data-query");
        // Top-left patch of the 8×8 map: in the shifted block its window wraps around to the other borders.
        new Actions(browser).moveToElement(canvas, -canvas.getSize().width / 2 + 10, -canvas.getSize().height / 2 + 10).click().perform();
        waitFor("the new query", () -> "0,0".equals(canvas.getDomAttribute("data-query")));
        assertThat(before).isNotEqualTo("0,0");
        assertThat(canvasStats().get(2)).as("red attention pixels of the wrapped window").isGreaterThan(1000);

        Path shot = Path.of("target", "web-page.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isGreaterThan(10_000);
    }
}
