"""The studies in experiments/: each composes, each runs as a sweep, and `notebook` reproduces
the notebook's three trainings."""

import subprocess
import sys

import pandas as pd
import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from conftest import ROOT, run_cli
from nnexp import config, messages, presets
from nnexp.overrides import sweep_jobs

PRESETS = sorted(name for group, name in presets.preset_files() if group == "experiment")


def test_the_presets_the_readme_promises_are_there():
    assert {"notebook", "xor_seeds", "hidden_width", "activations", "playground"} <= set(PRESETS)
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
    cfg, jobs = study("activations")
    assert [job[:2] for job in jobs] == [[f"model.activation={a}", f"model.bias={b}"]
                                         for a in ("sigmoid", "tanh", "relu") for b in ("False", "True")]
    assert (cfg.seed, cfg.replicas, cfg.model.name, cfg.data.name) == (0, 20, "two_layer", "xor")
    cfg, jobs = study("playground")
    assert len(jobs) == 20 and cfg.replicas == 20
    assert {job[0] for job in jobs} == {f"data={d}" for d in ("circle", "xor2d", "gauss", "spiral", "moons")}


@pytest.mark.parametrize("case, model, data, iterations", [
    ("perceptron_linear", "perceptron", "linear", 10_000),
    ("perceptron_xor", "perceptron", "xor", 100_000),
    ("two_layer_xor", "two_layer", "xor", 100_000),
])
def test_the_notebook_preset_holds_the_notebooks_settings(compose, case, model, data, iterations):
    cfg = compose("experiment=notebook", f"+notebook={case}")
    assert (cfg.model.name, cfg.data.name, cfg.train.iterations) == (model, data, iterations)
    assert list(cfg.data.probes) == [[1, 0, 0]]


# notebook: test_the_notebook_preset_reproduces_the_notebook runs the whole of it.
@pytest.mark.parametrize("name", [name for name in PRESETS if name != "notebook"])
def test_every_preset_runs_as_a_sweep_from_any_folder(tmp_path, name):
    # A tiny run: 20 iterations, but every configuration the preset compares, at its seeds; no
    # picture per job (the report still draws its own).
    sweep = tmp_path / "sweep"
    fewer = ["data=circle"] if name == "playground" else []  # 4 of its 20 jobs: the suite's time
    done = run_cli("-m", "report_plots=false", f"experiment={name}", "train.iterations=20", "plot=false", *fewer,
                   f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(sweep / "comparison.csv")
    expected = {"notebook": (3, 1), "xor_seeds": (2, 20), "hidden_width": (5, 20), "activations": (6, 20),
                "playground": (4, 20)}
    if name in expected:
        assert (len(comparison), comparison["n_seeds"].iloc[0]) == expected[name]
    assert (comparison["iterations"] == 20).all()
    assert (sweep / "report.md").exists()


def test_the_notebook_preset_reproduces_the_notebook(tmp_path):
    """The full study, at the notebook's iteration counts: what the notebook printed."""
    sweep = tmp_path / "sweep"
    done = run_cli("-m", "report_plots=false", "experiment=notebook", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
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


@pytest.fixture
def broken_presets(tmp_path):
    """A folder of presets to register, and the registry of unreadable ones left as it was found."""
    before = dict(messages.UNREADABLE)
    yield tmp_path
    messages.UNREADABLE.clear()
    messages.UNREADABLE.update(before)


@pytest.mark.parametrize("file, text, reason", [
    ("broken.yaml", b"model: [unclosed\n", "broken.yaml, line 2: not valid YAML: expected ',' or ']'"),
    ("broken.yaml", b"- a\n- b\n", "broken.yaml is not a valid preset: it must hold keys, not a list"),
    ("broken.yaml", b"# @package _global_\nseed: 3  # caf\xe9\n",
     "broken.yaml, line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8."),
    ("notebook/broken.yaml", b"train: {iterations: 10\n", "broken.yaml, line 2: not valid YAML"),
])
def test_a_broken_preset_file_is_named(compose, broken_presets, file, text, reason):
    # register() raised at import of nnexp.run, so one broken file stopped every command.
    path = broken_presets / file
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text)
    presets.register(broken_presets)  # does not raise
    group = "notebook" if "/" in file else "experiment"
    assert "broken.yaml" not in ConfigStore.instance().list(group)  # so --help does not offer it
    with pytest.raises(Exception) as caught:
        compose("experiment=broken" if group == "experiment" else "+notebook=broken")
    message = messages.explain(caught.value)
    assert message.startswith(str(path)) and reason in message
    assert "\n" not in message


def test_a_broken_preset_fails_only_the_commands_that_pick_it(tmp_path):
    """The real command line, with experiments/ pointed at a folder holding one good preset and
    one file that is not UTF-8: the good one runs, the broken one is refused in one line."""
    experiments = tmp_path / "experiments"
    experiments.mkdir()
    (experiments / "tiny.yaml").write_text("# @package _global_\ntrain:\n  iterations: 10\n")
    (experiments / "broken.yaml").write_bytes(b"# @package _global_\nseed: 3  # caf\xe9\n")
    script = tmp_path / "nnexp_run.py"
    script.write_text(
        "import runpy\n"
        "from pathlib import Path\n"
        "from nnexp import presets\n"
        f"presets.EXPERIMENTS = Path({str(experiments)!r})\n"
        "runpy.run_module('nnexp.run', run_name='__main__', alter_sys=True)\n"
    )

    def run(*overrides):
        return subprocess.run([sys.executable, str(script), *overrides], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    done = run("experiment=tiny", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(tmp_path / "run" / "results.csv")["iterations"].tolist() == [10]
    done = run("experiment=broken", f"hydra.run.dir={tmp_path / 'refused'}")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"nnexp: {experiments / 'broken.yaml'}, line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8."
    ]
