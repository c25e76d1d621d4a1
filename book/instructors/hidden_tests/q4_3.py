"""Exercise 4.3, hidden tests (instructors' source only): B_r's FC of a residue of maps."""

from otter.test_files import test_case


@test_case(points=2, hidden=True)
def the_inputs_of_b_r_with_residue_maps(maps_fc_inputs):
    from adfl_teach.model import ADFL, ModelConfig

    model = ADFL(num_classes=8, config=ModelConfig(residue="maps"))
    assert maps_fc_inputs == model.residual_fc.in_features
