"""Assignment 12.6, public tests: the run behind the report is complete (the report itself
is graded with the rubric of the chapter, by hand)."""

from otter.test_files import test_case

OK_FORMAT = False
name = "q12_6"


@test_case(points=2)
def the_ablation_run_is_complete(REPORT_RUN):
    from adfl_teach.teaching import demos

    assert REPORT_RUN is not None, "not answered yet: set REPORT_RUN to your run's folder"
    assert demos.check_report_run(REPORT_RUN, min_seeds=3, folds=range(10)), (
        f"{REPORT_RUN}: the run needs two variants, three seeds and ten folds each"
    )
