"""Exercise 5.1, hidden tests (instructors' source only): against the library's targets."""

from otter.test_files import test_case


def _expected():
    import torch
    from adfl_teach import classes

    targets, mask = classes.head_targets(torch.tensor([0, 3, 4, 6]), neutral_index=3)
    return mask.tolist(), targets[mask].tolist()


@test_case(points=1, hidden=True)
def which_labels_count(mmi_counted):
    assert list(mmi_counted) == _expected()[0]


@test_case(points=1, hidden=True)
def their_targets(mmi_kept_targets):
    assert list(mmi_kept_targets) == _expected()[1]
