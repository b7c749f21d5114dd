"""The studies in experiments/: each composes, each runs as a sweep, and `notebook` reproduces
the notebook's three trainings."""

import pandas as pd
import pytest
from omegaconf import OmegaConf

from conftest import ROOT, run_cli
from nnexp import config, presets
from nnexp.report import sweep_jobs

PRESETS = sorted(name for group, name in presets.preset_files() if group == "experiment")


def test_the_presets_the_readme_promises_are_there():
    assert {"notebook", "xor_seeds", "hidden_width"} <= set(PRESETS)
    readme = (ROOT / "README.md").read_text()
    for name in PRESETS:
        assert f"experiment={name}" in readme


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_composes_and_holds_its_sweep(compose, name):
    cfg = compose(f"experiment={name}", hydra=True)
    assert OmegaConf.select(cfg, "hydra.sweeper.params"), f"{name} has no hydra.sweeper.params"
    config.check(cfg)


def test_the_presets_sweep_what_their_question_needs(compose):
    def study(name):
        cfg = compose(f"experiment={name}", hydra=True)
        return cfg, sweep_jobs(cfg)

    cfg, jobs = study("xor_seeds")
    assert [job[0] for job in jobs] == ["model=perceptron", "model=two_layer"]
    assert (cfg.seed, cfg.replicas, cfg.data.name) == (0, 20, "xor")  # seeds 0 to 19 in each job
    cfg, jobs = study("hidden_width")
    assert [job[0] for job in jobs] == [f"model.hidden=[{w}]" for w in (1, 2, 3, 4, 8)]
    assert (cfg.seed, cfg.replicas, cfg.model.name) == (0, 20, "two_layer")
    assert len(study("notebook")[1]) == 3


@pytest.mark.parametrize("case, model, data, iterations", [
    ("perceptron_linear", "perceptron", "linear", 10_000),
    ("perceptron_xor", "perceptron", "xor", 100_000),
    ("two_layer_xor", "two_layer", "xor", 100_000),
])
def test_the_notebook_preset_holds_the_notebooks_settings(compose, case, model, data, iterations):
    cfg = compose("experiment=notebook", f"+notebook={case}")
    assert (cfg.model.name, cfg.data.name, cfg.train.iterations) == (model, data, iterations)
    assert list(cfg.data.probes) == [[1, 0, 0]]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_runs_as_a_sweep_from_any_folder(tmp_path, name):
    # A tiny run: 20 iterations, but every configuration the preset compares, at its seeds.
    sweep = tmp_path / "sweep"
    done = run_cli("-m", f"experiment={name}", "train.iterations=20", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(sweep / "comparison.csv")
    expected = {"notebook": (3, 1), "xor_seeds": (2, 20), "hidden_width": (5, 20)}
    if name in expected:
        assert (len(comparison), comparison["n_seeds"].iloc[0]) == expected[name]
    assert (comparison["iterations"] == 20).all()
    assert (sweep / "report.md").exists()


def test_the_notebook_preset_reproduces_the_notebook(tmp_path):
    """The full study, at the notebook's iteration counts: what the notebook printed."""
    sweep = tmp_path / "sweep"
    done = run_cli("-m", "experiment=notebook", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = pd.read_csv(sweep / "summary.csv").set_index(["model", "data"])
    assert rows.loc[("perceptron", "linear"), "train_accuracy"] == 1.0
    assert rows.loc[("perceptron", "linear"), "iterations"] == 10_000
    assert rows.loc[("perceptron", "xor"), "final_error"] == pytest.approx(0.5, abs=1e-3)
    assert rows.loc[("perceptron", "xor"), "probe_output"] == pytest.approx(0.5, abs=1e-3)
    assert rows.loc[("two_layer", "xor"), "train_accuracy"] == 1.0
    assert rows.loc[("two_layer", "xor"), "final_error"] < 0.01


def test_an_unknown_preset_is_refused_with_the_list_of_presets(tmp_path):
    done = run_cli("experiment=nope", cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "nope" in done.stderr and "xor_seeds" in done.stderr


@pytest.mark.parametrize("text, reason", [
    ("model: [unclosed\n", "is not a valid preset"),
    ("- a\n- b\n", "must hold keys"),
])
def test_a_broken_preset_file_is_named(tmp_path, text, reason):
    (tmp_path / "broken.yaml").write_text(text)
    with pytest.raises(config.ConfigError, match=reason) as error:
        presets.register(tmp_path)
    assert str(tmp_path / "broken.yaml") in str(error.value)
    assert "\n" not in str(error.value)
