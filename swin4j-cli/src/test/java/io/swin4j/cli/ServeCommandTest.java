package io.swin4j.cli;

import io.swin4j.testing.TinySegmenters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin serve}'s flags: bad values and a taken port fail at once with a message naming them. */
class ServeCommandTest {

    @Test
    void refusesBadSettingsBeforeLoadingAnything() {
        CliRun r = CliRun.of("serve", "--max-batch", "0");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("max batch must be >= 1, got 0");

        CliRun port = CliRun.of("serve", "--port", "70000");
        assertThat(port.exit()).isNotZero();
        assertThat(port.err()).contains("port must be 0-65535, got 70000");

        CliRun header = CliRun.of("serve", "--header-timeout-ms", "0");
        assertThat(header.exit()).isNotZero();
        assertThat(header.err()).contains("header timeout (ms) must be >= 1, got 0");

        CliRun cap = CliRun.of("serve", "--max-connections", "0", "--work-queue", "4");
        assertThat(cap.exit()).isNotZero();
        assertThat(cap.err()).contains("max connections must be >= 1, got 0");

        CliRun typo = CliRun.of("serve", "--max-wait", "5");
        assertThat(typo.exit()).isNotZero();
        assertThat(typo.err()).contains("--max-wait");
    }

    @Test
    void aTakenPortIsReportedAndTheCommandExits() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.of("serve", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exit()).isNotZero();
            assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void aSegmentationCheckpointOnOnnxRuntimeIsRefusedNamingLibtorch(@TempDir Path tmp) throws Exception {
        Path seg = TinySegmenters.write(tmp.resolve("upernet.safetensors"), 3);
        CliRun r = CliRun.of("serve", "--port", "0", "--engine", "onnxruntime", "--weights", seg.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("--engine onnxruntime serves classifiers only").contains("segmentation checkpoint")
                .contains("--engine libtorch");
    }
}
