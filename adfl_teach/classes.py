"""The expression classes of the paper's databases (sec. 3.2; "Classes" in the notes).

The notes are docs/implementation-notes.md.

Class index = position in the tuple; neutral is index 0 everywhere. The splitter and the
classifier see the N-1 expressions, the dispeller all N classes. The helpers below turn a
batch's labels into what each head is trained on (eqs. 2, 4 and 7 mask the neutral samples).
"""

import torch

#: CK+, whose Emotion codes 0..7 are the positions here (N = 8).
CKPLUS_CLASSES = (
    "neutral",
    "anger",
    "contempt",
    "disgust",
    "fear",
    "happiness",
    "sadness",
    "surprise",
)
#: The six basic expressions of MMI and Oulu-CASIA.
BASIC_SIX = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")
#: MMI and Oulu-CASIA, neutral + the basic six (N = 7).
BASIC_CLASSES = ("neutral", *BASIC_SIX)


def predicted_classes(logits, neutral_index: int, neutral_is_class: bool = False):
    """Head outputs ``(B, N-1)`` (a tensor) -> class indices over all N classes (neutral never
    predicted unless it is a class of the heads, ``(B, N)`` outputs)."""
    pred = logits.argmax(dim=1)
    if neutral_is_class:
        return pred
    return pred + (pred >= neutral_index).long()


def non_neutral_mask(labels: torch.Tensor, neutral_index: int) -> torch.Tensor:
    """``(B,)`` bool: True where the sample is an expression, False where it is neutral."""
    return labels != neutral_index


def expression_targets(labels: torch.Tensor, neutral_index: int) -> torch.Tensor:
    """Map class indices over N classes to indices over the N-1 expressions.

    Neutral samples get -1 (they are masked out anyway). Example with neutral = 0:
    labels (0, 1, 7) -> (-1, 0, 6).
    """
    targets = labels - (labels > neutral_index).long()
    return torch.where(labels == neutral_index, torch.full_like(labels, -1), targets)


def head_targets(
    labels: torch.Tensor, neutral_index: int, neutral_is_class: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets of the splitter and the classifier, and the mask of samples that count.

    The paper: targets over the N-1 expressions, neutral samples masked (eqs. 2, 4, 7).
    ``neutral_is_class`` (the ``no-neutral-masking`` ablation): the labels themselves, no mask.
    """
    if neutral_is_class:
        return labels, torch.ones_like(labels, dtype=torch.bool)
    mask = non_neutral_mask(labels, neutral_index)
    return expression_targets(labels, neutral_index).clamp(min=0), mask
