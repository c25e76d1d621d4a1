"""The expression classes of the paper's databases (sec. 3.2; "Classes" in the notes).

The notes are docs/implementation-notes.md.

Class index = position in the tuple; neutral is index 0 everywhere. The splitter and the
classifier see the N-1 expressions, the dispeller all N classes.
"""

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
