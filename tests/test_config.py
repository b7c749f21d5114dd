"""The shipped configs: every group option composes, and the datasets are the notebook's."""

import re
import shutil

import numpy as np
import pytest
from hydra.errors import MissingConfigException
from omegaconf import OmegaConf

from conftest import CONF
from nnexp import config, messages
from nnexp.data import build, make_dataset

NOTEBOOK_INPUTS = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
TRUTH_TABLES = {
    "linear": [0, 0, 1, 1],  # the notebook's first table
    "xor": [0, 1, 1, 0],  # the notebook's second
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
}
TABLE = "defaults: [/nnexp_data_table@_here_, _self_]\n"  # a truth table of one's own names its kind
MODELS = {"perceptron": [], "two_layer": [4], "mlp": [8, 8]}


GENERATED = ["circle", "xor2d", "gauss", "spiral", "moons"]  # tests/test_datasets.py


def test_every_config_file_is_tested():
    assert sorted(p.stem for p in (CONF / "data").glob("*.yaml")) == sorted([*TRUTH_TABLES, *GENERATED, "csv"])
    assert sorted(p.stem for p in (CONF / "model").glob("*.yaml")) == sorted(MODELS)


@pytest.mark.parametrize("name, targets", TRUTH_TABLES.items())
def test_datasets_are_the_notebooks_truth_tables_with_its_probe(compose, name, targets):
    cfg = compose(f"data={name}")
    config.check(cfg)
    dataset = build(OmegaConf.to_container(cfg.data))
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


def test_the_options_default_to_the_notebooks(compose):
    cfg = compose()
    assert (cfg.model.activation, cfg.model.bias, cfg.model.init) == ("sigmoid", False, "uniform")
    assert OmegaConf.to_container(cfg.train) == {
        "iterations": 100_000, "lr": 1.0, "log_every": 100, "loss": "squared_error", "batch_size": None,
        "shuffle": False, "optimizer": "sgd", "momentum": 0.0, "l2": 0.0, "beta1": 0.9, "beta2": 0.999,
        "epsilon": 1e-8}


@pytest.mark.parametrize("overrides, message", [
    (["model.activation=softmax"], "The 'model.activation' parameter must be one of sigmoid, tanh, relu, identity. "
                                   "Got 'softmax' instead."),
    (["model.init=he"], "The 'model.init' parameter must be one of uniform, glorot. Got 'he' instead."),
    (["train.loss=hinge"], "The 'train.loss' parameter must be one of squared_error, log_loss. Got 'hinge' instead."),
    (["train.optimizer=rmsprop"], "The 'train.optimizer' parameter must be one of sgd, adam. Got 'rmsprop' instead."),
    (["train.momentum=1"], "The 'train.momentum' parameter must be a float in the range [0, 1). Got 1.0 instead."),
    (["train.momentum=-0.5"], "The 'train.momentum' parameter must be a float in the range [0, 1). Got -0.5 instead."),
    (["train.momentum=nan"], "The 'train.momentum' parameter must be a float in the range [0, 1). Got nan instead."),
    (["train.l2=-0.1"], "The 'train.l2' parameter must be a finite float >= 0 (scikit-learn's alpha). Got -0.1 instead."),
    (["train.l2=inf"], "The 'train.l2' parameter must be a finite float >= 0 (scikit-learn's alpha). Got inf instead."),
    (["train.batch_size=0"], "The 'train.batch_size' parameter must be null (the whole training set) or an int >= 1. "
                             "Got 0 instead."),
    (["train.optimizer=adam", "train.beta2=1"], "The 'train.beta2' parameter must be a float in the range [0, 1). "
                                                "Got 1.0 instead."),
    (["train.optimizer=adam", "train.epsilon=0"], "The 'train.epsilon' parameter must be a finite float > 0. "
                                                  "Got 0.0 instead."),
    # A setting that would change nothing is refused, not written into a label.
    (["train.optimizer=adam", "train.momentum=0.9"], "The 'train.momentum' parameter applies to optimizer=sgd; "
                                                     "Adam's momentum is train.beta1. Got 0.9 with train.optimizer=adam "
                                                     "instead."),
    (["train.beta1=0.8"], "The 'train.beta1' parameter applies to optimizer=adam. Got 0.8 with train.optimizer=sgd "
                          "instead: leave it at 0.9, or add train.optimizer=adam."),
    (["model=perceptron", "model.activation=tanh"], "The 'model.activation' parameter sets the hidden layers' "
                                                    "activation, and model=perceptron has none (model.hidden=[]). "
                                                    "Got 'tanh' instead: leave it at sigmoid, or give the model "
                                                    "hidden layers."),
])
def test_a_bad_option_is_refused_naming_its_key_and_what_is_allowed(compose, overrides, message):
    with pytest.raises(config.ConfigError) as error:
        config.check(compose(*overrides))
    assert str(error.value) == message


def test_a_batch_size_that_is_not_an_int_is_refused_while_composing(compose):
    with pytest.raises(Exception, match="batch_size"):
        compose("train.batch_size=ten")


def test_seed_zero_is_a_real_seed_and_accepted(compose):
    config.check(compose("seed=0"))  # no error: 0 is not "unset"


def test_probes_may_be_empty(compose):
    dataset = make_dataset(**compose("data.probes=[]").data)
    assert dataset.probes.shape == (0, 3)


def test_a_launcher_from_a_missing_extra_says_which_extra_to_install():
    error = MissingConfigException("Could not find 'hydra/launcher/joblib'", "hydra/launcher/joblib", ["basic"])
    assert messages.explain(error) == (
        "There is no hydra/launcher 'joblib'. Choose one of: basic. "
        "hydra/launcher=joblib needs the 'parallel' extra: pip install -e '.[parallel]'"
    )


def test_an_error_that_is_not_a_config_mistake_is_not_explained():
    assert messages.explain(RuntimeError("a bug")) is None


@pytest.mark.parametrize("override, message", [
    ("+train.dropout=0.5", "There is no 'train.dropout' parameter."),
    ("+model.hidden_sizes=[4]", "There is no 'model.hidden_sizes' parameter. Did you mean 'model.hidden'?"),
])
def test_check_refuses_a_key_the_schema_does_not_have(compose, override, message):
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.check(compose(override))


@pytest.mark.parametrize("body, message", [
    (f"{TABLE}name: mine\ninputs: [[0, 1]]\ntargets: [1]\nprobes: []\ncomment: mine\n",
     "In config 'data/mine': There is no 'data.comment' parameter. Keys of data: name, seed, test_fraction, "
     "features, inputs, targets, probes."),
    # A truth table of one's own written before nnexp had kinds of data: what to add, in one line.
    ("name: mine\ninputs: [[0, 1]]\ntargets: [1]\nprobes: []\n",
     "In config 'data/mine': There is no 'data.inputs' parameter in a dataset of no kind: a file in conf/data/ "
     "names its kind first, `defaults: [/nnexp_data_table@_here_, _self_]` for a truth table (as "
     "conf/data/xor.yaml does)."),
    (f"{TABLE}name: mine\ninputs: 5\ntargets: [1]\nprobes: []\n",
     "In config 'data/mine': the 'data.inputs' parameter must be a list of rows of numbers, "
     "e.g. [[0, 0, 1], [1, 1, 1]]."),
    ("name: mine\ninputs: [[0, 1]\ntargets: [1]\n",
     "{conf}/data/mine.yaml, line 3: not valid YAML: expected ',' or ']', but got '<scalar>'."),
    # Hydra raises a bare UnicodeDecodeError, without the file's name.
    (b"name: mine\ninputs: [[0, 1]]\ntargets: [1]\nprobes: []  # caf\xe9 (latin-1)\n",
     "{conf}/data/mine.yaml, line 4: not UTF-8 text (byte 0xe9); save the file as UTF-8."),
    # OmegaConf names the failing element by its index alone (full_key: 0).
    (f"{TABLE}name: mine\ninputs: [0, 1]\ntargets: [1]\nprobes: []\n",
     "In config 'data/mine': the 'data.inputs' parameter must be a list of rows of numbers, "
     "e.g. [[0, 0, 1], [1, 1, 1]]."),
])
def test_a_mistake_in_a_config_file_is_said_in_one_line_naming_the_file(tmp_path, body, message):
    from hydra import compose, initialize_config_dir

    from nnexp import presets

    conf = tmp_path / "conf"
    shutil.copytree(CONF, conf)
    mine = conf / "data" / "mine.yaml"
    mine.write_bytes(body) if isinstance(body, bytes) else mine.write_text(body)
    config.register()
    presets.register()
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        with pytest.raises(Exception) as caught:
            compose(config_name="config", overrides=["data=mine"])
    assert messages.explain(caught.value) == message.format(conf=conf)


def mistake(compose, *overrides: str) -> str | None:
    """What `python -m nnexp.run OVERRIDES` says in its one line, from the same steps in-process."""
    try:
        cfg = compose(*overrides)
        config.check(cfg)
        build(OmegaConf.to_container(cfg.data))
    except Exception as error:
        return messages.explain(error)
    pytest.fail(f"{overrides} was accepted")


ROWS = "a list of rows of numbers, e.g. [[0, 0, 1], [1, 1, 1]]"


@pytest.mark.parametrize("override, message", [
    # A flat list where rows are due: OmegaConf names the element by its index alone (full_key 0),
    # which read as "The '' parameter must be a group of keys ...".
    ("data.inputs=[1,2,3,4]", f"The 'data.inputs' parameter must be {ROWS}. Got 1 at data.inputs[0] instead."),
    ("data.probes=[1,0,0]", f"The 'data.probes' parameter must be {ROWS}. Got 1 at data.probes[0] instead."),
    ("data.inputs=[[0,1,1],3]", f"The 'data.inputs' parameter must be {ROWS}. Got 3 at data.inputs[1] instead."),
    # A whole node that cannot merge: OmegaConf gives no value, which read as "Got None".
    ("data.inputs={a:1}", f"The 'data.inputs' parameter must be {ROWS}. Got {{'a': 1}} instead."),
    ("model.hidden=4", "The 'model.hidden' parameter must be a list of ints, e.g. [4, 4]. Got 4 instead."),
    ("model.hidden={a:1}", "The 'model.hidden' parameter must be a list of ints, e.g. [4, 4]. Got {'a': 1} instead."),
    # Nested targets passed the schema and were flattened without a word.
    ("data.targets=[[0],[1],[1],[0]]", "The 'data.targets' parameter must be a list of numbers, one per row of "
                                       "data.inputs, e.g. [0, 1, 1, 0]. Got [0] at data.targets[0] instead."),
    ("data.targets=[[0],[1]]", "The 'data.targets' parameter must be a list of numbers, one per row of "
                               "data.inputs, e.g. [0, 1, 1, 0]. Got [0] at data.targets[0] instead."),
    # A mapping inside the targets reached NumPy, which raised.
    ("data.targets=[0,1,1,{a:1}]", "The 'data.targets' parameter must hold numbers only. "
                                   "Got {'a': 1} at data.targets[3] instead."),
    # A value that is long is said by what it is, not echoed.
    ("data.name=[" + ",".join(["1"] * 50) + "]", "The 'data.name' parameter must be a string. "
                                                 "Got a list of 50 values instead."),
])
def test_a_value_of_the_wrong_shape_names_its_key_and_the_shape_it_needs(compose, override, message):
    assert mistake(compose, override) == message


@pytest.mark.parametrize("override, value", [("data=1", "1"), ("data=null", "None"), ("data=[1]", "1")])
def test_a_group_given_something_other_than_a_name_is_said_in_one_line(compose, override, value):
    # Hydra raised a bare ValueError or TypeError, which names neither the group nor its options.
    assert mistake(compose, override) == (
        f"The 'data' choice must be the name of a config in its group. Got {value} instead. "
        f"Choose one of: and, circle, csv, gauss, linear, moons, nand, or, spiral, xor, xor2d."
    )


BIG = [[0, 1, 1]] * 200


@pytest.mark.parametrize("inputs, targets, probes, message", [
    ([*BIG[:-1], [0, "x", 1]], [0] * 200, [],
     "The 'data.inputs' parameter must hold numbers only. Got 'x' at data.inputs[199][1] instead."),
    ([*BIG[:-1], [0, float("inf"), 1]], [0] * 200, [],
     "The 'data.inputs' parameter must hold finite numbers only. Got inf at data.inputs[199][1] instead."),
    ([*BIG[:-1], [0, True, 1]], [0] * 200, [],
     "The 'data.inputs' parameter must hold numbers only. Got True at data.inputs[199][1] instead."),
    ([*BIG[:-1], [0, 1]], [0] * 200, [],
     "The 'data.inputs' parameter must have rows of 3 values, as data.inputs[0] does. "
     "Got 2 values at data.inputs[199] instead."),
    ([*BIG[:-1], []], [0] * 200, [],
     "The 'data.inputs' parameter must have rows of at least one value. Got an empty row at data.inputs[199] instead."),
    (BIG, [0] * 199 + [0.5], [],
     "The 'data.targets' parameter must hold only 0 and 1. Got 0.5 at data.targets[199] instead."),
    (BIG, [0] * 199, [],
     "The 'data.targets' parameter must have one value per row of data.inputs (200). Got 199 values instead."),
    (BIG, [0] * 200, [[1, 0, 0], [1, 0, 0, 1]],
     "The 'data.probes' parameter must have rows of 3 values, as data.inputs does. Got 4 values at data.probes[1] instead."),
    (BIG, [0] * 200, [[1, 0, 0], list(range(100))],
     "The 'data.probes' parameter must have rows of 3 values, as data.inputs does. Got 100 values at data.probes[1] instead."),
])
def test_a_mistake_in_a_big_dataset_names_the_row_and_value_never_the_data(inputs, targets, probes, message):
    # The message named the key, then printed all 200 rows in its one line.
    with pytest.raises(config.ConfigError) as error:
        make_dataset("big", inputs, targets, probes)
    assert str(error.value) == message


def test_a_dataset_of_numpy_arrays_is_accepted():
    dataset = make_dataset("xor", np.array(NOTEBOOK_INPUTS), np.array(TRUTH_TABLES["xor"]), np.array([[1, 0, 0]]))
    assert dataset.inputs.tolist() == NOTEBOOK_INPUTS and dataset.probes.shape == (1, 3)
