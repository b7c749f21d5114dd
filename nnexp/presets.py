"""Experiment presets: the YAML files in `experiments/`, offered to Hydra as `experiment=NAME`.

    experiments/NAME.yaml         ->  experiment=NAME   (a named study, usually with a sweep)
    experiments/GROUP/NAME.yaml   ->  GROUP=NAME        (options a study sweeps over, e.g. the
                                                         notebook's three trainings)

Hydra names a config group after its folder, and the layout keeps the studies in a top-level
`experiments/` folder, not in `conf/experiment/`. So instead of a search path, each file is
read here and stored in Hydra's ConfigStore under the group it stands for. Hydra then treats
it like any YAML config: its defaults list, its `# @package` header (a preset is normally
`_global_`), and its `hydra.sweeper.params`. The folder is found next to the package, so
`experiment=NAME` works from any working directory.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hydra.core.config_store import ConfigStore
from hydra.plugins.config_source import ConfigSource
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from nnexp.config import ConfigError
from nnexp.messages import UNREADABLE, not_utf8

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def preset_files(folder: Path = EXPERIMENTS) -> dict[tuple[str, str], Path]:
    """{(group, name): file} for every preset in `folder`, in name order."""
    files = {("experiment", file.stem): file for file in sorted(folder.glob("*.yaml"))}
    files |= {(file.parent.name, file.stem): file for file in sorted(folder.glob("*/*.yaml"))}
    return files


def register(folder: Path | None = None) -> None:
    """Store every preset in `folder` (EXPERIMENTS by default) in Hydra's ConfigStore.

    A file that cannot be used (not UTF-8, not YAML, not a mapping of keys) is left out, so that
    it fails only the commands that pick it: messages.explain then says which file and why, where
    Hydra would say the preset does not exist. Every other command runs as usual.
    """
    store = ConfigStore.instance()
    for (group, name), file in preset_files(folder or EXPERIMENTS).items():
        UNREADABLE.pop(f"{group}/{name}", None)
        try:
            node, package = _read(file)
        except ConfigError as error:
            UNREADABLE[f"{group}/{name}"] = str(error)
            continue
        # Without a header a group's keys would land under `experiment.`; a preset sets
        # top-level keys (model, data, seed, ...), so its default package is the global one.
        store.store(group=group, name=name, node=node, package=package or "_global_",
                    provider="nnexp experiments/")


def _read(file: Path) -> tuple[DictConfig, str | None]:
    """A preset's keys and its `# @package` header; ConfigError, naming the file, if it is broken."""
    try:
        text = file.read_bytes().decode("utf-8")
        node = OmegaConf.create(text)  # OmegaConf's own YAML loader, as for conf/
        package = ConfigSource._get_header_dict(text)["package"]
    except OSError as error:
        raise ConfigError(f"{file} is not a valid preset: it cannot be read ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise ConfigError(not_utf8(file)) from None
    except yaml.MarkedYAMLError as error:  # said as for a file in conf/ (messages.explain)
        line = f", line {error.problem_mark.line + 1}" if error.problem_mark else ""
        raise ConfigError(f"{file}{line}: not valid YAML: {error.problem}.") from None
    except (yaml.YAMLError, ValueError, OmegaConfBaseException) as error:
        reason = " ".join(str(error).splitlines()[0].split())  # OmegaConf's first line, not its internals
        raise ConfigError(f"{file} is not a valid preset: {reason}") from None
    if not isinstance(node, DictConfig):
        raise ConfigError(f"{file} is not a valid preset: it must hold keys, not a list")
    return node, package
