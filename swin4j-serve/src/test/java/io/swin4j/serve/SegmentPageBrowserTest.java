package io.swin4j.serve;

import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.testing.Required;
import io.swin4j.testing.TinySegmenters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.swin4j.serve.WebPageBrowserTest.CHROMIUM;
import static io.swin4j.serve.WebPageBrowserTest.DRIVER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web page of a segmentation model in headless Chromium: upload an image, the mask is drawn over it with the
 * slider's opacity (at 1 the canvas holds exactly the label map's class colours) and the legend lists the classes
 * present with their shares, as the core task computes them. Skipped where Chromium is not installed.
 */
class SegmentPageBrowserTest {

    @TempDir
    static Path tmp;
    static SegmentationPredictor predictor;
    static SwinServer server;
    static ChromeDriver browser;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        Required.present(CHROMIUM.canExecute() && DRIVER.canExecute(), "Debian's chromium and chromium-driver",
                "apt-get install chromium chromium-driver");
        WebPageBrowserTest.SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
        predictor = SegmentationPredictor.builder(TinySegmenters.write(tmp.resolve("tiny.safetensors"), 5)).build();
        image = TinySegmenters.png(tmp.resolve("street.png"), 53, 37, 1);
        server = SwinServer.start(predictor, ServeOptions.defaults().optPort(0));
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1100,900");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort().build(),
                options);
        WebPageBrowserTest.browser = browser; // its waitFor reports the page's status
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
        if (predictor != null) predictor.close();
    }

    /** The canvas's distinct RGB colours. */
    @SuppressWarnings("unchecked")
    static Set<Long> canvasColours() {
        List<Long> all = (List<Long>) ((JavascriptExecutor) browser).executeScript(
                "const c = document.getElementById('overlay');"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "const s = new Set(); for (let i = 0; i < d.length; i += 4) s.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);"
                        + "return Array.from(s);");
        return new HashSet<>(all);
    }

    static void setOpacity(double v) {
        ((JavascriptExecutor) browser).executeScript("const o = document.getElementById('opacity'); o.value = arguments[0];"
                + "o.dispatchEvent(new Event('input'));", String.valueOf(v));
    }

    @Test
    void uploadDrawsTheMaskWithALegend() throws Exception {
        browser.get(server.uri().toString());
        WebPageBrowserTest.waitFor("the model description",
                () -> browser.findElement(By.id("model")).getText().contains("5 classes"));
        assertThat(browser.findElements(By.id("opacity"))).hasSize(1);
        browser.findElement(By.id("file")).sendKeys(image.toString());
        WebElement canvas = browser.findElement(By.id("overlay"));
        WebPageBrowserTest.waitFor("the mask", () -> "segmentation".equals(canvas.getDomAttribute("data-task")));

        Segmentation want = predictor.segment(image);
        List<WebElement> bars = browser.findElements(By.cssSelector("#results .bar"));
        assertThat(bars).hasSize(want.classes().size());
        for (int i = 0; i < bars.size(); i++) {
            Segmentation.ClassShare c = want.classes().get(i);
            assertThat(bars.get(i).findElement(By.className("label")).getText()).isEqualTo(c.label());
            assertThat(bars.get(i).findElement(By.className("pct")).getText())
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%.1f%%", 100 * c.fraction()));
        }
        assertThat(canvas.getDomProperty("width")).isEqualTo("448");
        assertThat(canvas.getDomProperty("height")).isEqualTo("313"); // 37 * 448 / 53, rounded

        setOpacity(1);
        WebPageBrowserTest.waitFor("opacity 1", () -> "1".equals(canvas.getDomAttribute("data-opacity")));
        Set<Long> classColours = new HashSet<>();
        for (Segmentation.ClassShare c : want.classes()) classColours.add(Long.parseLong(c.color().substring(1), 16));
        assertThat(canvasColours()).as("at opacity 1 only the present classes' colours").isEqualTo(classColours);

        setOpacity(0);
        WebPageBrowserTest.waitFor("opacity 0", () -> "0".equals(canvas.getDomAttribute("data-opacity")));
        assertThat(canvasColours().size()).as("at opacity 0 the image itself").isGreaterThan(50);

        setOpacity(0.5);
        Path shot = Path.of("target", "segment-page.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    }
}
