"""Beyond the paper: the head refit moves B_r's FC and the classifier, and nothing else."""

import pytest
import torch

from adfl_teach.config import ConfigError, get_preset
from adfl_teach.head_refit import HEAD_PARTS
from adfl_teach.training import train

SMOKE = get_preset("smoke").replace(optim={"epochs": 2})


def is_head(name: str) -> bool:
    return name.split(".")[0] in HEAD_PARTS


def test_head_refit_changes_the_head_only(striped, tmp_path):
    data = striped(40, 0)
    plain = train("adfl", data, SMOKE, 5, progress=False).model.state_dict()
    cfg = SMOKE.replace(optim={"head_refit_epochs": 2})
    result = train("adfl", data, cfg, 5, test_set=striped(20, 1), checkpoint=tmp_path / "r.pt",
                   progress=False)  # fmt: skip
    refit = result.model.state_dict()
    assert set(plain) == set(refit)
    for name in plain:  # every other parameter and buffer (BatchNorm statistics too)
        if not is_head(name):
            assert torch.equal(plain[name], refit[name]), name
    assert any(not torch.equal(plain[n], refit[n]) for n in plain if is_head(n))
    assert [r["epoch"] for r in result.head_refit] == [1, 2]
    assert "test_accuracy" in result.head_refit[-1]
    # a finished run resumed from its checkpoint does not refit again
    again = train("adfl", data, cfg, 5, checkpoint=tmp_path / "r.pt", progress=False)
    assert all(torch.equal(refit[n], again.model.state_dict()[n]) for n in refit)
    assert again.head_refit == result.head_refit


def test_head_refit_is_off_in_the_paper_and_never_negative():
    assert get_preset("paper").optim.head_refit_epochs == 0
    with pytest.raises(ConfigError, match=r"optim\.head_refit_epochs"):
        SMOKE.replace(optim={"head_refit_epochs": -1})
    with pytest.raises(ConfigError, match=r"model\.standardize_features"):
        SMOKE.replace(model={"standardize_features": True, "residue": "maps"})
