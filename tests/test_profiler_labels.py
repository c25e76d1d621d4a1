"""The epoch loop labels its parts for torch.profiler: benchmarks/bench_epoch_breakdown.py
splits an epoch of the real trainer by these labels instead of copying the loop."""

from torch.profiler import ProfilerActivity, profile

from adfl_teach.config import get_preset
from adfl_teach.training import train


def test_an_epoch_of_train_shows_its_crops_and_steps_to_the_profiler(striped):
    cfg = get_preset("smoke").replace(
        optim={"epochs": 1, "batch_size": 16}, data={"train_crops": "random"}
    )
    data = striped(40, 0)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        train("adfl", data, cfg, 5, progress=False)
    names = [event.name for event in prof.events()]
    batches = -(-len(data) // 16)  # one crop of each image, batches of 16
    assert names.count("training_step") == batches
    assert names.count("take_crops") == batches
