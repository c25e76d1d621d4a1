"""One-fold training: it learns, it resumes exactly, its checkpoints are safe."""

import math

import pytest
import torch

from adfl_teach.config import get_preset
from adfl_teach.crops import crop_boxes, take_crops
from adfl_teach.evaluation import evaluate, predict_logits
from adfl_teach.model import create_model
from adfl_teach.optimization import make_optimizer
from adfl_teach.runtime import load_checkpoint, set_seed
from adfl_teach.training import (
    CheckpointMismatchError,
    epoch_order,
    load_model,
    train,
    training_step,
)


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


@pytest.mark.parametrize("channels_last", [False, True])  # cpu-quick trains channels_last
def test_resumed_run_ends_with_the_same_weights(striped, tmp_path, channels_last):
    # a cosine schedule: the learning rate must resume where it stopped too
    cfg = get_preset("smoke").replace(
        optim={"epochs": 3, "schedule": "cosine"}, channels_last=channels_last
    )
    data = striped(96, 0)
    straight = train("adfl", data, cfg, 5, checkpoint=tmp_path / "a.pt", progress=False)
    # interrupted after epoch 2, then the same call again resumes from the checkpoint
    train("adfl", data, cfg, 5, checkpoint=tmp_path / "b.pt", stop_after_epoch=2, progress=False)
    assert load_checkpoint(tmp_path / "b.pt")["epoch"] == 2
    resumed = train("adfl", data, cfg, 5, checkpoint=tmp_path / "b.pt", progress=False)
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["total"] for h in straight.history] == [h["total"] for h in resumed.history]
    assert [h["lr"] for h in resumed.history] == pytest.approx(
        [cfg.optim.lr * f for f in (1, 0.75, 0.25)]
    )
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


def loop_crops(images, crop_index, crop):
    """The host path before the device path: one crop box at a time, selected on the host."""
    h, w = crop
    out = images.new_empty((images.shape[0], images.shape[1], h, w))
    for k, (top, left, mirrored) in enumerate(crop_boxes(tuple(images.shape[-2:]), crop)):
        sel = (crop_index == k).nonzero(as_tuple=True)[0]
        src = images[sel].flip(-1) if mirrored else images[sel]
        out[sel] = src[..., top : top + h, left : left + w]
    return out


def host_path_training(data, cfg, num_classes):
    """A reference trainer: per-step crops cut on the host from CPU images, as before."""
    set_seed(cfg.seed)
    model = create_model("adfl", num_classes, 0, cfg)
    optimizer = make_optimizer(model, cfg)
    for epoch in range(cfg.optim.epochs):
        index, crop = epoch_order(len(data), cfg.seed, epoch, cfg.data.train_crops)
        bs = cfg.optim.batch_size
        for start in range(0, len(index), bs):
            sel, which = index[start : start + bs], crop[start : start + bs]
            if len(sel) >= 2:
                images = loop_crops(data.images[sel], which, cfg.data.crop)
                training_step(model, images, data.labels[sel], optimizer, cfg)
    return model


@pytest.mark.parametrize("crops, epochs", [("random", 2), ("all", 1)])
def test_device_path_gives_the_same_weights_as_the_host_path(striped, crops, epochs):
    cfg = get_preset("smoke").replace(optim={"epochs": epochs}, data={"train_crops": crops})
    data = striped(40, 0)
    expected = host_path_training(data, cfg, 5).state_dict()
    got = train("adfl", data, cfg, 5, progress=False).model.state_dict()
    assert all(torch.equal(expected[k], got[k]) for k in expected)


def test_evaluating_every_third_epoch_changes_no_weight(striped):
    cfg = get_preset("smoke").replace(optim={"epochs": 4})
    data, test_set = striped(40, 0), striped(20, 1)
    every = train("adfl", data, cfg, 5, test_set=test_set, progress=False)
    third = train("adfl", data, cfg.replace(eval_every=3), 5, test_set=test_set, progress=False)
    a, b = every.model.state_dict(), third.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [("test_accuracy" in r) for r in every.history] == [True] * 4
    assert [("test_accuracy" in r) for r in third.history] == [False, False, True, True]
    assert third.history[-1]["test_accuracy"] == every.history[-1]["test_accuracy"]


def test_loop_and_gather_crops_agree_on_every_box():
    images = torch.randint(0, 255, (20, 3, 64, 55), dtype=torch.uint8)
    crop_index = torch.arange(20) % 10
    assert torch.equal(
        take_crops(images, crop_index, (56, 48)), loop_crops(images, crop_index, (56, 48))
    )


def test_speed_options_train_with_finite_losses(striped, tmp_path):
    cfg = get_preset("smoke").replace(optim={"epochs": 1}, channels_last=True, amp="bf16")
    result = train("adfl", striped(40, 0), cfg, 5, checkpoint=tmp_path / "o.pt", progress=False)
    assert all(math.isfinite(result.history[0][k]) for k in ("l_d", "l_a", "l_n", "l_r"))
    model, _ = load_model(tmp_path / "o.pt")  # a channels_last checkpoint loads as usual
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), result.model.parameters()))


def test_a_model_rebuilt_from_its_checkpoint_computes_as_in_training(striped, tmp_path):
    cfg = get_preset("smoke").replace(optim={"epochs": 1}, channels_last=True)
    data = striped(40, 0)
    result = train("adfl", data, cfg, 5, checkpoint=tmp_path / "o.pt", progress=False)
    model, _ = load_model(tmp_path / "o.pt")
    convs = [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    assert torch.equal(
        predict_logits(model, data.images, cfg), predict_logits(result.model, data.images, cfg)
    )
