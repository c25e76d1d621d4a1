"""Assignment 12.4, public tests: a prediction was recorded (its explanation is read by the
instructor; a prediction is never marked right or wrong)."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q12_4"


@test_case(points=1)
def both_predictions_recorded(prediction):
    assert prediction is not None, "not answered yet: set prediction = {...} before running"
    keys = {"dispeller_higher", "accuracy_higher"}
    assert isinstance(prediction, dict) and set(prediction) == keys, f"prediction has keys {keys}"
    assert all(isinstance(v, bool) for v in prediction.values()), "values are True/False"
