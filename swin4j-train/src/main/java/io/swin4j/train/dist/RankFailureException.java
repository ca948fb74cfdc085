package io.swin4j.train.dist;

import java.util.List;

/**
 * Another rank of the job died, hung past the timeout, or could not be reached: this rank stopped. {@link #ranks()}
 * names the ranks found missing (empty when none could be singled out); nothing was written by the failed step.
 */
public final class RankFailureException extends RuntimeException {

    private final List<Integer> ranks;

    RankFailureException(String message, List<Integer> ranks, Throwable cause) {
        super(message, cause);
        this.ranks = List.copyOf(ranks);
    }

    public List<Integer> ranks() { return ranks; }
}
