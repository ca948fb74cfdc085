package io.swin4j.serve;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class MicroBatcherTest {

    /** A runner that doubles its inputs and records the batch sizes it saw. */
    private static final class Doubler implements java.util.function.Function<List<Integer>, List<Integer>> {
        final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        volatile Gate gate;

        @Override
        public List<Integer> apply(List<Integer> in) {
            sizes.add(in.size());
            if (gate != null) gate.pass(10);
            return in.stream().map(i -> i * 2).toList();
        }
    }

    @Test
    void gathersQueuedInputsIntoBatchesOfAtMostMaxBatchAndAnswersEachInOrder() throws Exception {
        Doubler runner = new Doubler();
        runner.gate = new Gate();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 4, 1000, 100)) {
            // The first input starts a batch that blocks on the gate; the next 10 queue up behind it meanwhile.
            CompletableFuture<Integer> first = b.submitAll(List.of(0)).get(0);
            await().until(() -> !runner.sizes.isEmpty());
            List<CompletableFuture<Integer>> rest = new ArrayList<>();
            for (int i = 1; i <= 10; i++) rest.addAll(b.submitAll(List.of(i)));
            assertThat(b.queueDepth()).isEqualTo(10);
            assertThat(b.queued()).as("all 10 still in the queue: the worker is busy with the first batch").isEqualTo(10);
            runner.gate.open();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(0);
            for (int i = 1; i <= 10; i++) assertThat(rest.get(i - 1).get(5, TimeUnit.SECONDS)).isEqualTo(2 * i);
            assertThat(runner.sizes).containsExactly(1, 4, 4, 2);
        }
    }

    @Test
    void aLoneInputRunsAfterMaxWaitWithoutWaitingForAFullBatch() throws Exception {
        Doubler runner = new Doubler();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 64, 20, 10)) {
            long start = System.nanoTime();
            assertThat(b.submitAll(List.of(21)).get(0).get(5, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(19);
            assertThat(runner.sizes).containsExactly(1);
        }
    }

    @Test
    void refusesAllOrNothingWhenTheQueueIsFull() throws Exception {
        Doubler runner = new Doubler();
        runner.gate = new Gate();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 1, 0, 3)) {
            b.submitAll(List.of(0));
            await().until(() -> !runner.sizes.isEmpty());
            b.submitAll(List.of(1, 2));
            assertThatThrownBy(() -> b.submitAll(List.of(3, 4)))
                    .isInstanceOf(MicroBatcher.QueueFullException.class)
                    .hasMessageContaining("2 image(s) asked for, 1 of 3 places free");
            assertThat(b.queueDepth()).as("nothing of the refused request was queued").isEqualTo(2);
            b.submitAll(List.of(3));
            runner.gate.open();
        }
    }

    @Test
    void skipsCancelledInputsAndSurvivesARunnerFailure() throws Exception {
        List<List<Integer>> seen = Collections.synchronizedList(new ArrayList<>());
        Gate gate = new Gate();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(in -> {
            seen.add(List.copyOf(in));
            if (in.contains(-1)) throw new IllegalStateException("boom");
            if (in.contains(0)) gate.pass(10);
            return in;
        }, 8, 0, 10)) {
            b.submitAll(List.of(0));
            await().until(() -> !seen.isEmpty());
            List<CompletableFuture<Integer>> queued = b.submitAll(List.of(1, 2, 3));
            queued.get(1).cancel(false); // the caller of 2 timed out
            gate.open();
            assertThat(queued.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(queued.get(2).get(5, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(seen.get(1)).containsExactly(1, 3);

            CompletableFuture<Integer> bad = b.submitAll(List.of(-1)).get(0);
            assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("boom");
            assertThat(b.submitAll(List.of(7)).get(0).get(5, TimeUnit.SECONDS)).as("the worker survived").isEqualTo(7);
        }
    }

    @Test
    void anImageHeldForCompanyCountsAsWaitingAndFlushRunsItWithoutWaitingMaxWait() throws Exception {
        Doubler runner = new Doubler();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 8, 600_000, 10)) {
            CompletableFuture<Integer> held = b.submitAll(List.of(5)).get(0);
            // Once the worker has taken it from the queue to gather a batch around it, it still waits for a batch.
            await().until(() -> b.queued() == 0);
            assertThat(b.queueDepth()).isEqualTo(1);
            assertThat(held).isNotDone();
            b.flush();
            assertThat(held.get(30, TimeUnit.SECONDS)).isEqualTo(10);
            assertThat(b.queueDepth()).isZero();
            assertThat(runner.sizes).containsExactly(1);
            assertThat(b.submitAll(List.of(6)).get(0).get(30, TimeUnit.SECONDS)).as("after a flush no input waits").isEqualTo(12);
        }
    }

    @Test
    void closeDoesNotWaitMaxWaitForCompany() throws Exception {
        Doubler runner = new Doubler();
        MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 8, 600_000, 10);
        CompletableFuture<Integer> held = b.submitAll(List.of(4)).get(0);
        assertThat(b.close(30_000)).as("closed within 30 s although max-wait is 10 min").isTrue();
        assertThat(held).isCompletedWithValue(8);
    }

    @Test
    void theWorkerIsADaemonSoAForgottenBatcherDoesNotKeepTheJvmAlive() throws Exception {
        // Made from a non-daemon thread, whose daemon status a new thread would otherwise inherit.
        java.util.concurrent.atomic.AtomicReference<MicroBatcher<Integer, Integer>> made = new java.util.concurrent.atomic.AtomicReference<>();
        Thread maker = new Thread(() -> made.set(new MicroBatcher<>(new Doubler(), 1, 0, 1)));
        maker.setDaemon(false);
        maker.start();
        maker.join(30_000);
        try (MicroBatcher<Integer, Integer> b = made.get()) {
            List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("swin4j-batcher")).toList();
            assertThat(workers).isNotEmpty().allMatch(Thread::isDaemon);
        }
    }

    @Test
    void closeRunsWhatIsQueuedThenRefusesNewInputs() throws Exception {
        Doubler runner = new Doubler();
        MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 2, 50, 10);
        List<CompletableFuture<Integer>> queued = b.submitAll(List.of(1, 2, 3));
        assertThat(b.close(5000)).isTrue();
        for (CompletableFuture<Integer> f : queued) assertThat(f).isCompleted();
        assertThatThrownBy(() -> b.submitAll(List.of(4))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shutting down");
    }

    @Test
    void stalledTimeGrowsOnlyWhileThereIsWorkAndNoBatchFinishes() throws Exception {
        Doubler runner = new Doubler();
        runner.gate = new Gate();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>(runner, 1, 0, 100)) {
            long far = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
            assertThat(b.stalledNanos(far)).as("no work: never stalled").isZero();
            CompletableFuture<Integer> stuck = b.submitAll(List.of(1)).get(0);
            await().until(() -> !runner.sizes.isEmpty());
            // The batch is in the runner (blocked on the gate): an hour from now, it would have stalled an hour.
            assertThat(b.stalledNanos(far)).isGreaterThan(TimeUnit.MINUTES.toNanos(59));
            runner.gate.open();
            assertThat(stuck.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            await().until(() -> b.stalledNanos(far) == 0);
        }
    }
}
