"""Exercise 6.2, hidden tests (instructors' source only): the blind dispeller's losses for the
prior of the exercise, to 0.01 nats."""

from otter.test_files import test_case

PRIOR = [7 / 28] + [3 / 28] * 7  # neutral, then seven expressions


@test_case(points=1, hidden=True)
def l_a_is_the_entropy_of_the_prior(collapsed_l_a):
    import math

    assert abs(collapsed_l_a + sum(p * math.log(p) for p in PRIOR)) < 0.01


@test_case(points=1, hidden=True)
def l_n_is_the_mean_negative_log_prior(collapsed_l_n):
    import math

    assert abs(collapsed_l_n + sum(math.log(p) for p in PRIOR) / len(PRIOR)) < 0.01
