package io.swin4j.testing;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A test dependency that lives outside the build (Debian's Fashion-MNIST, Chromium). A developer without it sees
 * the test skipped with what to install; under {@code CI=true} the test fails instead, so CI can never go green
 * having skipped it (.ci/run installs every such dependency and fails when it cannot).
 */
public final class Required {

    private Required() {}

    /** True where the environment says it is CI ({@code CI=true}, as GitHub Actions, GitLab and .ci/run set it). */
    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Skips (locally) or fails (on CI) the calling test when {@code present} is false.
     *
     * @param what    what is missing, e.g. "Debian's dataset-fashion-mnist"
     * @param install how to get it, e.g. "apt-get install dataset-fashion-mnist"
     */
    public static void present(boolean present, String what, String install) {
        if (present) return;
        String message = "missing " + what + " (" + install + ")";
        if (onCi()) fail("CI=true: " + message + "; .ci/run must install it, a test may not be skipped on CI");
        Assumptions.abort(message);
    }
}
