package io.swin4j.serve;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The batcher's contract at its edges: argument checks, a runner that breaks its promise, and a close that times out. */
class MicroBatcherContractTest {

    @Test
    void refusesSettingsOutsideTheirRanges() {
        assertThatThrownBy(() -> new MicroBatcher<Integer, Integer>(in -> in, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max batch must be >= 1, got 0");
        assertThatThrownBy(() -> new MicroBatcher<Integer, Integer>(in -> in, 1, -1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max wait must be >= 0 ms, got -1");
        assertThatThrownBy(() -> new MicroBatcher<Integer, Integer>(in -> in, 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("queue capacity must be >= 1, got 0");
        // the smallest legal values work
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(in -> in, 1, 0, 1)) {
            assertThat(b.submitAll(List.of(5)).get(0).get(5, TimeUnit.SECONDS)).isEqualTo(5);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRunnerAnsweringTheWrongCountFailsTheWholeBatch() throws Exception {
        Gate gate = new Gate();
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(in -> {
            sizes.add(in.size());
            if (in.contains(0)) {
                gate.pass(10);
                return in;
            }
            return in.subList(0, 1); // one answer for every batch
        }, 8, 0, 10)) {
            CompletableFuture<Integer> first = b.submitAll(List.of(0)).get(0);
            await().until(() -> !sizes.isEmpty());
            List<CompletableFuture<Integer>> pair = b.submitAll(List.of(1, 2));
            gate.open();
            assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
            for (CompletableFuture<Integer> f : pair) {
                assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("the runner answered 1 of 2 inputs");
            }
            assertThat(sizes).containsExactly(1, 2);
        }
    }

    @Test
    void closeReportsAWorkerThatDidNotFinishInTime() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> b = new MicroBatcher<>(in -> {
            started.countDown();
            gate.pass(30);
            return in;
        }, 1, 0, 4);
        CompletableFuture<Integer> stuck = b.submitAll(List.of(1)).get(0);
        List<CompletableFuture<Integer>> queued = b.submitAll(List.of(2, 3));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(b.queueDepth()).isEqualTo(2);
        assertThat(b.close(50)).as("worker still inside the runner").isFalse();
        assertThatThrownBy(() -> b.submitAll(List.of(4))).isInstanceOf(IllegalStateException.class);
        gate.open();
        assertThat(b.close(10_000)).isTrue();
        assertThat(stuck.get(0, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(queued.get(0).get(0, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(queued.get(1).get(0, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(b.queueDepth()).isZero();
    }

    @Test
    void anEmptyRequestQueuesNothing() throws Exception {
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(in -> in, 2, 0, 1)) {
            assertThat(b.submitAll(List.of())).isEmpty();
            assertThat(b.queueDepth()).isZero();
            assertThat(b.submitAll(List.of(9)).get(0).get(5, TimeUnit.SECONDS)).isEqualTo(9);
        }
    }
}
