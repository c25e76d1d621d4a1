"""Set-ups of chapter 12's assignments that a students' notebook must not spell out.

Assignment 12.3 asks which of two training runs shows the collapse signature; the cell that
trains them would answer part of it if it named each run's configuration, so the runs are
made here and the notebook receives them as "A" and "B". (This source is public: the
secret is kept from the notebook, not from a reader of the library.)
"""

from __future__ import annotations

from adfl_teach.teaching import notebook

DIAGNOSIS_EPOCHS = 5


def diagnosis_runs(cfg, images, epochs: int = DIAGNOSIS_EPOCHS) -> dict[str, list[dict]]:
    """Chapter 12.3: the training histories of two ADFL runs on ``images``,
    ``{"A": history, "B": history}``. One trains as published (sec. 2); the other with
    standardised features (``ModelConfig(standardize_features=True)``, beyond the paper).
    Each is cached under ``$ADFL_HOME`` (:func:`~adfl_teach.teaching.notebook.load_or_train`).
    """
    from adfl_teach.training import train

    setups = {
        "A": ("standardized", cfg.replace(model={"standardize_features": True})),
        "B": ("paper", cfg),
    }
    histories = {}
    for label, (name, config) in setups.items():
        histories[label] = notebook.load_or_train(
            f"ch12_curves_{name}_{cfg.preset}.pt",
            lambda config=config: train("adfl", images, config, epochs, progress=False).history,
        )
    return histories
