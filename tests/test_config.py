"""The shipped configs: every group option composes, and the datasets are the notebook's."""

import re
import shutil

import pytest
from hydra.errors import MissingConfigException

from conftest import CONF
from nnexp import config
from nnexp.data import make_dataset

NOTEBOOK_INPUTS = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
TRUTH_TABLES = {
    "linear": [0, 0, 1, 1],  # the notebook's first table
    "xor": [0, 1, 1, 0],  # the notebook's second
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
}
MODELS = {"perceptron": [], "two_layer": [4], "mlp": [8, 8]}


def test_every_config_file_is_tested():
    assert sorted(p.stem for p in (CONF / "data").glob("*.yaml")) == sorted(TRUTH_TABLES)
    assert sorted(p.stem for p in (CONF / "model").glob("*.yaml")) == sorted(MODELS)


@pytest.mark.parametrize("name, targets", TRUTH_TABLES.items())
def test_datasets_are_the_notebooks_truth_tables_with_its_probe(compose, name, targets):
    cfg = compose(f"data={name}")
    config.check(cfg)
    dataset = make_dataset(**cfg.data)
    assert dataset.name == name
    assert dataset.inputs.tolist() == NOTEBOOK_INPUTS
    assert dataset.targets[:, 0].tolist() == targets
    assert dataset.probes.tolist() == [[1, 0, 0]]


@pytest.mark.parametrize("name, hidden", MODELS.items())
def test_models_are_named_by_their_hidden_widths(compose, name, hidden):
    cfg = compose(f"model={name}")
    assert (cfg.model.name, list(cfg.model.hidden)) == (name, hidden)


def test_defaults_are_the_notebooks_settings(compose):
    cfg = compose()
    assert (cfg.model.name, cfg.data.name, cfg.seed, cfg.threshold) == ("two_layer", "xor", 0, 0.5)
    assert (cfg.train.iterations, cfg.train.lr, cfg.train.log_every) == (100_000, 1.0, 100)


def test_seed_zero_is_a_real_seed_and_accepted(compose):
    config.check(compose("seed=0"))  # no error: 0 is not "unset"


def test_probes_may_be_empty(compose):
    dataset = make_dataset(**compose("data.probes=[]").data)
    assert dataset.probes.shape == (0, 3)


def test_a_launcher_from_a_missing_extra_says_which_extra_to_install():
    error = MissingConfigException("Could not find 'hydra/launcher/joblib'", "hydra/launcher/joblib", ["basic"])
    assert config.explain(error) == (
        "There is no hydra/launcher 'joblib'. Choose one of: basic. "
        "hydra/launcher=joblib needs the 'parallel' extra: pip install -e '.[parallel]'"
    )


def test_an_error_that_is_not_a_config_mistake_is_not_explained():
    assert config.explain(RuntimeError("a bug")) is None


@pytest.mark.parametrize("override, message", [
    ("+train.momentum=0.9", "There is no 'train.momentum' parameter."),
    ("+model.hidden_sizes=[4]", "There is no 'model.hidden_sizes' parameter. Did you mean 'model.hidden'?"),
])
def test_check_refuses_a_key_the_schema_does_not_have(compose, override, message):
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.check(compose(override))


@pytest.mark.parametrize("body, message", [
    ("name: mine\ninputs: [[0, 1]]\ntargets: [1]\nprobes: []\ncomment: mine\n",
     "In config 'data/mine': There is no 'data.comment' parameter. Keys of data: name, inputs, targets, probes."),
    ("name: mine\ninputs: 5\ntargets: [1]\nprobes: []\n",
     "In config 'data/mine': the 'data.inputs' parameter must be a list of rows of numbers, "
     "e.g. [[0, 0, 1], [1, 1, 1]]."),
    ("name: mine\ninputs: [[0, 1]\ntargets: [1]\n",
     "{conf}/data/mine.yaml, line 3: not valid YAML: expected ',' or ']', but got '<scalar>'."),
])
def test_a_mistake_in_a_config_file_is_said_in_one_line_naming_the_file(tmp_path, body, message):
    from hydra import compose, initialize_config_dir

    from nnexp import presets

    conf = tmp_path / "conf"
    shutil.copytree(CONF, conf)
    (conf / "data" / "mine.yaml").write_text(body)
    config.register()
    presets.register()
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        with pytest.raises(Exception) as caught:
            compose(config_name="config", overrides=["data=mine"])
    assert config.explain(caught.value) == message.format(conf=conf)
