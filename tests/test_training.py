"""One-fold training: it learns, it resumes exactly, its checkpoints are safe."""

import pytest
import torch

from adfl_teach.config import get_preset
from adfl_teach.crops import crop_boxes, take_crops
from adfl_teach.evaluation import evaluate
from adfl_teach.runtime import load_checkpoint
from adfl_teach.training import CheckpointMismatchError, epoch_order, train


def test_short_training_lowers_the_loss_and_beats_chance(striped):
    cfg = get_preset("smoke").replace(optim={"epochs": 5})
    train_set, test_set = striped(200, 0), striped(60, 1)
    result = train("adfl", train_set, cfg, num_classes=5, test_set=test_set, progress=False)
    hist = result.history
    assert len(hist) == 5
    assert hist[-1]["total"] < hist[0]["total"]
    assert hist[-1]["l_r"] < hist[0]["l_r"]
    for key in ("l_d", "l_a", "l_n", "l_r", "total", "train_accuracy", "test_accuracy"):
        assert key in hist[-1]
    acc = evaluate(result.model, test_set, cfg).accuracy
    assert acc > 0.5  # chance is 1/4 over the four expressions


def test_baseline_trains_too(striped):
    cfg = get_preset("smoke").replace(optim={"epochs": 3})
    result = train("baseline", striped(160, 0), cfg, num_classes=5, progress=False)
    assert set(result.history[0]) >= {"l_r", "total", "train_accuracy"}
    assert "l_d" not in result.history[0]
    assert evaluate(result.model, striped(60, 1), cfg).accuracy > 0.5


def test_resumed_run_ends_with_the_same_weights(striped, tmp_path):
    cfg = get_preset("smoke").replace(optim={"epochs": 3})
    data = striped(96, 0)
    straight = train("adfl", data, cfg, 5, checkpoint=tmp_path / "a.pt", progress=False)
    # interrupted after epoch 2, then the same call again resumes from the checkpoint
    train("adfl", data, cfg, 5, checkpoint=tmp_path / "b.pt", stop_after_epoch=2, progress=False)
    assert load_checkpoint(tmp_path / "b.pt")["epoch"] == 2
    resumed = train("adfl", data, cfg, 5, checkpoint=tmp_path / "b.pt", progress=False)
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["total"] for h in straight.history] == [h["total"] for h in resumed.history]
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no temporary files


def test_checkpoints_load_with_weights_only(striped, tmp_path):
    cfg = get_preset("smoke").replace(optim={"epochs": 1})
    train("baseline", striped(40, 0), cfg, 5, checkpoint=tmp_path / "c.pt", progress=False)
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["kind"] == "baseline" and state["epoch"] == 1


def test_epoch_order_is_reproducible_and_covers_all_crops():
    a, ca = epoch_order(50, seed=3, epoch=7, mode="random")
    b, cb = epoch_order(50, seed=3, epoch=7, mode="random")
    assert torch.equal(a, b) and torch.equal(ca, cb)
    assert sorted(a.tolist()) == list(range(50))
    idx, crops = epoch_order(4, seed=0, epoch=0, mode="all")
    pairs = set(zip(idx.tolist(), crops.tolist()))
    assert len(pairs) == 40  # every image with every one of its ten crops


def test_take_crops_cuts_the_right_box_and_mirrors():
    images = torch.arange(2 * 3 * 8 * 6, dtype=torch.float32).view(2, 3, 8, 6)
    boxes = crop_boxes((8, 6), (4, 4))
    out = take_crops(images, torch.tensor([3, 8]), (4, 4))
    top, left, _ = boxes[3]
    assert torch.equal(out[0], images[0, :, top : top + 4, left : left + 4])
    top, left, mirrored = boxes[8]
    assert mirrored
    assert torch.equal(out[1], images[1].flip(-1)[:, top : top + 4, left : left + 4])


def test_resuming_another_runs_checkpoint_names_the_differences(striped, tmp_path):
    cfg = get_preset("smoke").replace(optim={"epochs": 2})
    data, ckpt = striped(40, 0), tmp_path / "d.pt"
    identity = {"seed": 0, "fold": 3, "data": {"hash": "abc"}}
    train("baseline", data, cfg, 5, checkpoint=ckpt, stop_after_epoch=1, identity=identity,
          progress=False)  # fmt: skip
    assert load_checkpoint(ckpt)["identity"] == identity
    other = {"seed": 0, "fold": 3, "data": {"hash": "xyz"}}
    with pytest.raises(CheckpointMismatchError, match=r"d\.pt.*data\.hash: checkpoint 'abc'"):
        train("baseline", data, cfg, 5, checkpoint=ckpt, identity=other, progress=False)
    with pytest.raises(CheckpointMismatchError, match="holds a baseline model"):
        train("adfl", data, cfg, 5, checkpoint=ckpt, identity=identity, progress=False)
    resumed = train("baseline", data, cfg, 5, checkpoint=ckpt, identity=identity, progress=False)
    assert len(resumed.history) == 2
