package io.swin4j.train.dist;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where a process stands in a job: torchrun's environment, flags, and the launcher's environment (no libtorch). */
class DistributedTest {

    @Test
    void torchrunsEnvironmentPlacesTheProcess() {
        Distributed d = Distributed.fromEnvironment(Map.of("RANK", "3", "WORLD_SIZE", "8", "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "29500",
                "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4"));
        assertThat(d.rank()).isEqualTo(3);
        assertThat(d.worldSize()).isEqualTo(8);
        assertThat(d.localRank()).isEqualTo(1);
        assertThat(d.masterAddr()).isEqualTo("10.0.0.1");
        assertThat(d.masterPort()).isEqualTo(29500);
        assertThat(d.isDistributed()).isTrue();
        assertThat(d.isMain()).isFalse();
        assertThat(d.defaultThreads(16)).isEqualTo(4); // 16 cores shared by the machine's 4 processes
        assertThat(d.timeout()).isEqualTo(Distributed.DEFAULT_TIMEOUT);
        assertThat(Distributed.fromEnvironment(Map.of("PATH", "/bin"))).isNull();
        assertThat(Distributed.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "1")).isDistributed()).isFalse();
    }

    @Test
    void aPartialOrMalformedEnvironmentIsNamed() {
        assertThatThrownBy(() -> Distributed.fromEnvironment(Map.of("RANK", "0")))
                .hasMessage("torchrun environment: RANK is set but WORLD_SIZE is not");
        assertThatThrownBy(() -> Distributed.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h")))
                .hasMessage("torchrun environment: WORLD_SIZE is 2 but MASTER_PORT is not set");
        assertThatThrownBy(() -> Distributed.fromEnvironment(Map.of("RANK", "x", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1")))
                .hasMessage("RANK must be an integer, got 'x'");
        assertThatThrownBy(() -> Distributed.fromEnvironment(Map.of("RANK", "2", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1")))
                .hasMessage("distributed training: the rank must be in [0, 2), got 2");
        assertThatThrownBy(() -> Distributed.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "70000")))
                .hasMessage("MASTER_PORT must be a port in [1, 65535], got 70000");
    }

    @Test
    void flagsGiveTheSamePlace() {
        Distributed d = Distributed.of(1, 2, "[::1]:29501").optTimeout(Duration.ofSeconds(7)).optBucketCapMb(4);
        assertThat(d.masterAddr()).isEqualTo("::1");
        assertThat(d.masterPort()).isEqualTo(29501);
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(d.bucketCapMb()).isEqualTo(4);
        assertThat(d.overlap()).isTrue(); // DDP's reducer unless asked otherwise
        assertThat(d.optOverlap(false).overlap()).isFalse();
        assertThat(d.optOverlap(false).bucketCapMb()).isEqualTo(4);
        assertThatThrownBy(() -> Distributed.of(0, 2, "host")).hasMessage("--master must be HOST:PORT, e.g. 10.0.0.1:29500, got 'host'");
        assertThatThrownBy(() -> Distributed.of(0, 2, "host:0")).hasMessage("--master must be a port in [1, 65535], got 0");
        assertThatThrownBy(() -> Distributed.single().optTimeout(Duration.ZERO)).hasMessageContaining("the timeout must be positive");
        assertThat(Distributed.single().defaultThreads(2)).isZero(); // a lone process keeps libtorch's default
        assertThat(Distributed.single().tag("skipped x")).isEqualTo("skipped x");
        assertThat(d.tag("skipped x")).isEqualTo("[rank 1] skipped x");
        assertThat(Distributed.ranks(java.util.List.of(1))).isEqualTo("rank 1");
        assertThat(Distributed.ranks(java.util.List.of(0, 3))).isEqualTo("ranks 0, 3");
    }

    @Test
    void glooAdvertisesTheAddressOnTheRouteToTheMaster() {
        // Not the host name's address: /etc/hosts often maps it to loopback, which no other machine can reach
        // (bench/dist_two_hosts.sh runs two ranks in two network namespaces).
        assertThat(Collectives.addressToward("127.0.0.1", 29500)).isEqualTo("127.0.0.1");
        assertThat(Collectives.addressToward("no-such-host.invalid", 29500)).isNull();
    }

    @Test
    void theLauncherGivesEachRankTorchrunsEnvironmentAndItsShareOfTheCores() {
        Map<String, String> env = LocalLauncher.environment(1, 2, 29555, LocalLauncher.threadsPerProcess(2, 2));
        Distributed d = Distributed.fromEnvironment(env);
        assertThat(d.rank()).isEqualTo(1);
        assertThat(d.worldSize()).isEqualTo(2);
        assertThat(d.localWorldSize()).isEqualTo(2);
        assertThat(d.masterAddr()).isEqualTo("127.0.0.1");
        assertThat(d.masterPort()).isEqualTo(29555);
        assertThat(env).containsEntry("OMP_NUM_THREADS", "1").containsEntry("OPENBLAS_NUM_THREADS", "1")
                .doesNotContainKeys("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");
        assertThat(LocalLauncher.threadsPerProcess(3, 2)).isEqualTo(1);
        assertThat(new LocalLauncher.Exit(1, 137).describe()).isEqualTo("rank 1 was killed by signal 9 (SIGKILL)");
        assertThat(new LocalLauncher.Exit(0, 2).describe()).isEqualTo("rank 0 exited with status 2");
    }
}
