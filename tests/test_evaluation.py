"""Evaluation (sec. 3.1): the prediction of an image is the average over its ten crops."""

import torch
from torch import nn

from adfl_teach.config import get_preset
from adfl_teach.crops import ten_crops
from adfl_teach.data.imageset import ImageSet
from adfl_teach.evaluation import evaluate, predict_logits
from adfl_teach.model import ModelOutput

CFG = get_preset("smoke")  # canvas 64x55, crops 56x48


class ChannelMeans(nn.Module):
    """A stand-in classifier: the logit of head output k is the mean of channel k (3 heads:
    4 classes, neutral 0), so each crop votes for its brightest channel."""

    neutral_index, num_classes, neutral_is_class = 0, 4, False

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))  # gives the model a device

    def forward(self, images):
        logits = images.float().mean(dim=(2, 3)) / 255
        return ModelOutput(f_e=logits, classifier_logits=logits)


def disagreeing_image() -> torch.Tensor:
    """Channel 1 is 1 everywhere; channel 0 is 0 but for a 255 patch (4x3) in the top-left
    corner, which only the top-left crop and its mirror (crops 0 and 6) contain: there its
    mean is 255 * 12 / (56 * 48) = 1.14 > 1. Crop 0 alone votes for channel 0 (class 1), the
    average of the ten crops (channel 0: 0.23) for channel 1 (class 2)."""
    image = torch.zeros(1, 3, *CFG.data.canvas, dtype=torch.uint8)
    image[0, 1] = 1
    image[0, 0, :4, :3] = 255
    return image


def test_the_crops_of_the_test_image_disagree():
    votes = ChannelMeans()(ten_crops(disagreeing_image(), CFG.data.crop).flatten(0, 1))
    assert votes.classifier_logits.argmax(1).tolist() == [0, 1, 1, 1, 1, 1, 0, 1, 1, 1]


def test_evaluation_scores_the_ten_crop_average_not_one_crop():
    model, image = ChannelMeans(), disagreeing_image()
    data = ImageSet(image, torch.tensor([2]), ["S00"])
    result = evaluate(model, data, CFG)
    assert result.predictions == [2] and result.accuracy == 1.0
    per_crop = model(ten_crops(image, CFG.data.crop).flatten(0, 1)).classifier_logits
    assert torch.allclose(predict_logits(model, image, CFG), per_crop.mean(0, keepdim=True))


def test_evaluation_skips_neutral_images():
    image = disagreeing_image().repeat(3, 1, 1, 1)
    data = ImageSet(image, torch.tensor([0, 2, 0]), ["S00", "S01", "S02"])
    result = evaluate(ChannelMeans(), data, CFG)
    assert result.num_images == 1 and result.targets == [2] and result.subjects == ["S01"]


def test_reading_a_model_leaves_it_in_the_mode_it_was_in():
    from adfl_teach.config import get_preset
    from adfl_teach.experiments.probes import extract_features
    from adfl_teach.head_refit import frozen_residues
    from adfl_teach.model import create_model

    cfg = get_preset("smoke")
    model = create_model("adfl", 8, 0, cfg)
    images = torch.randint(0, 256, (3, 3, *cfg.data.canvas), dtype=torch.uint8)
    for training in (True, False):
        model.train(training)
        extract_features(model, images, cfg.data.crop)
        assert model.training is training, "probes"
        frozen_residues(model, images, torch.tensor([1, 2, 3]), cfg)
        assert model.training is training, "head refit"
        predict_logits(model, images, cfg)
        assert model.training is training, "evaluation"


def test_predicted_classes_skip_the_neutral_index_unless_it_is_a_class():
    from adfl_teach.classes import predicted_classes

    logits = torch.tensor([[0.1, 0.9, 0.0], [2.0, 0.0, 1.0]])
    assert predicted_classes(logits, neutral_index=0).tolist() == [2, 1]
    assert predicted_classes(logits, neutral_index=1).tolist() == [2, 0]
    assert predicted_classes(logits, 0, neutral_is_class=True).tolist() == [1, 0]
