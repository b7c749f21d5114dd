"""One-line messages for the mistakes Hydra finds while composing a config.

Hydra reports a bad command line, a config file it cannot read or a value of the wrong type over
several lines, sometimes with a traceback; `explain` says the user's mistake in one line, naming
the key, the file or the choices allowed. `short_repr` and `not_utf8` say a value and a file the
same way for the modules that find mistakes of their own (data, presets). The schema and its
checks live in nnexp.config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any, List

import yaml
from hydra.core.object_type import ObjectType
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import (CompactHydraException, ConfigCompositionException, MissingConfigException,
                          OverrideParseException)
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from nnexp.config import (ConfigError, field_types, first_line, missing_key, object_type, schema_type,
                          unknown_key)


def explain(error: BaseException) -> str | None:
    """The user's mistake behind `error`, said in one line; None if it is not a config mistake.

    Hydra reports a bad command line over several lines and suggests `+key=value` for an unknown
    key, which would be ignored; nnexp says what is allowed instead.
    """
    if isinstance(error, ConfigError):
        return str(error)
    if isinstance(error, ValueError) and str(error).startswith("Only one of --run, --multirun"):
        return ("-m (--multirun), --cfg, --info and --shell-completion each ask for something else: give "
                "one of them. To see a sweep's config, give --cfg job without -m and one value per key.")
    if isinstance(error, ValueError) and str(error).startswith("Unable to configure"):
        cause = f" ({type(error.__cause__).__name__}: {error.__cause__})" if error.__cause__ else ""
        return f"The hydra.job_logging settings cannot be used: {error}{cause}."
    if isinstance(error, MissingConfigException) and error.missing_cfg_file in UNREADABLE:
        return UNREADABLE[error.missing_cfg_file]  # a broken file in experiments/ (nnexp.presets)
    if isinstance(error, MissingConfigException) and error.options is not None and error.missing_cfg_file:
        group, _, name = error.missing_cfg_file.rpartition("/")
        message = f"There is no {group} '{name}'. Choose one of: {', '.join(error.options)}."
        extra = LAUNCHER_EXTRAS.get(name) if group == "hydra/launcher" else None
        if extra and name not in error.options:
            message += f" {group}={name} needs the '{extra}' extra: pip install -e '.[{extra}]'"
        return message
    if isinstance(error, OverrideParseException):
        return f"Cannot read '{error.override}': {_flat(error.message)}"
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{mark.name}, line {mark.line + 1}: not valid YAML: {error.problem}."
    if isinstance(error, UnicodeDecodeError):
        # Hydra reads conf/ files as UTF-8 and lets the error out without the file's name.
        path = _raised_with(error, "full_path")
        return not_utf8(Path(path)) if path else None
    if isinstance(error, (TypeError, ValueError)) and _raised_in(error, "hydra/_internal/defaults_list.py"):
        return _group_choice(error)
    in_file = re.fullmatch(r"In '([^']+)': (\w+) raised while composing config:\n(.*)", str(error), re.DOTALL)
    if isinstance(error, ConfigCompositionException) and in_file:
        # A wrong key or value in a config file (conf/data/mine.yaml), not on the command line.
        where, kind, text = in_file.groups()
        key = re.search(r"full_key: (\S+)", text)
        key = key.group(1) if key else ""
        if key and kind in ("ConfigKeyError", "ConfigAttributeError"):
            return f"In config '{where}': {unknown_key(key, schema=object_type(text))}"
        if key.isdigit():  # an element of a list, named by its index alone: find the list
            key = _merged_key(error) or ""
        base = re.sub(r"\[\d+\]", "", key)
        if base and _expected(base):
            return f"In config '{where}': the '{base}' parameter must be {_expected(base)}."
        return f"In config '{where}': {_flat(text)}"
    cause = error.__cause__
    if isinstance(error, ConfigCompositionException) and isinstance(cause, OmegaConfBaseException):
        key, value = _merged_override(error, cause)
        if isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and str(cause).startswith("Key '"):
            known = schema_type(key, object_type(cause)) is not None
            return missing_key(key) if known else unknown_key(key, cause)
        # An element of a list (`data.targets[0]`) is checked against the list's type.
        base = re.sub(r"\[\d+\]", "", key)
        expected = _expected(base) if base else None
        where = f" at {key}" if base != key else ""
        if expected:
            return f"The '{base}' parameter must be {expected}. Got {short_repr(value)}{where} instead."
        return f"The '{key}' parameter cannot take {short_repr(value)}: {first_line(cause)}."
    if isinstance(error, CompactHydraException):
        if str(error).startswith("Ambiguous value for argument"):
            override = str(error).split("'")[1]
            return (f"'{override}' holds several values: add -m (--multirun) to sweep over them, "
                    f"or write key=[a,b] for a list.")
        return _flat(str(error).split("Config search path:")[0])
    return None


# hydra/launcher options that come with one of nnexp's optional extras (pyproject.toml).
LAUNCHER_EXTRAS = {"joblib": "parallel", "submitit_local": "slurm", "submitit_slurm": "slurm"}

# Config files that exist but cannot be used, by the name Hydra looks them up under
# ('experiment/xor_seeds'): why, in one line. nnexp.presets fills it; Hydra, which never gets
# these files, says "not found", and `explain` says this instead.
UNREADABLE: dict[str, str] = {}


def not_utf8(path: Path) -> str | None:
    """'FILE, line N: not UTF-8 text ...' when the file at `path` is not UTF-8; None when it is."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        return (f"{path}, line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
                f"save the file as UTF-8.")
    except OSError:
        return None
    return None


# The longest value a message shows as it is; a longer one is said by what it is.
SHORT_REPR = 30


def short_repr(value: object) -> str:
    """`value` as a message may show it: in full when short, else what it is (a list of 200
    rows), so that a one-line message stays one line and never echoes a dataset."""
    text = repr(value)
    if len(text) <= SHORT_REPR:
        return text
    if isinstance(value, Sequence) and not isinstance(value, str):
        return f"a list of {len(value)} values"
    if isinstance(value, Mapping):
        return f"a group of {len(value)} keys"
    return text[:SHORT_REPR - 3] + "..."


def _merged_override(error: ConfigCompositionException, cause: OmegaConfBaseException) -> tuple[str, object]:
    """The dotted key and the value an override could not be merged at.

    OmegaConf names the key of a value inside a new list by its index alone (`data.inputs=[1,2]`
    fails at full_key 0), and gives no value when it cannot merge a whole node (a dict into a
    list): both are completed from the override itself, `Error merging override KEY=VALUE`.
    """
    key, value = cause.full_key, cause.value
    line = re.fullmatch(r"Error merging override (.+)", str(error), re.DOTALL)
    if line is None:
        return str(key or ""), value
    try:
        override = OverridesParser.create().parse_override(line.group(1))
        root, root_value = override.key_or_group, override.value()
    except Exception:  # the override parsed once already; if not again, keep OmegaConf's words
        return str(key or ""), value
    if isinstance(key, int):
        key = f"{root}[{key}]"
    elif not (isinstance(key, str) and key.startswith(root)):
        key = root
    try:
        for index in re.findall(r"\[(\d+)\]", key[len(root):]):
            root_value = root_value[int(index)]
        value = root_value
    except (IndexError, KeyError, TypeError):
        pass
    return key, value


def _merged_key(error: BaseException) -> str | None:
    """The dotted key OmegaConf was merging a config file at when it failed: the keys of its
    dict merges and the indices of its list appends, read from the frames of the traceback."""
    parts, seen, frame = [], set(), error.__traceback__
    while frame is not None:
        code, local = frame.tb_frame.f_code, frame.tb_frame.f_locals
        if id(frame.tb_frame) not in seen and "/omegaconf/" in code.co_filename.replace("\\", "/"):
            if code.co_name == "_map_merge" and isinstance(local.get("key"), str):
                parts.append(f".{local['key']}")
            elif code.co_name == "append" and isinstance(local.get("index"), int):
                parts.append(f"[{local['index']}]")
        seen.add(id(frame.tb_frame))
        frame = frame.tb_next
    return "".join(parts).lstrip(".") or None


def _raised_in(error: BaseException, file: str) -> bool:
    """Whether `error` was raised in the source file whose path ends with `file`."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.replace("\\", "/").endswith(file)


def _raised_with(error: BaseException, name: str) -> Any:
    """The local variable `name` of the innermost frame of `error`'s traceback that has one.

    Where Hydra lets a bare Python error out (a file that is not UTF-8, a group given a number),
    the message lacks what the user needs to hear, the file or the group: its frames hold it.
    """
    found, frame = None, error.__traceback__
    while frame is not None:
        found = frame.tb_frame.f_locals.get(name, found)
        frame = frame.tb_next
    return found


def _group_choice(error: BaseException) -> str | None:
    """A config group given something other than a config's name: `data=1`, `data=null` (Hydra
    raises ValueError) or `data=[1]` (TypeError)."""
    override, default, repo = (_raised_with(error, name) for name in ("override", "d", "repo"))
    if getattr(default, "group", None) is not None:
        group, value = default.group, _raised_with(error, "item")
    elif override is not None:
        group, value = override.key_or_group, override.value()
    else:
        return None
    message = f"The '{group}' choice must be the name of a config in its group. Got {short_repr(value)} instead."
    try:
        options = repo.get_group_options(group, ObjectType.CONFIG)
    except Exception:  # the message stands without the list
        return message
    return f"{message} Choose one of: {', '.join(options)}."


# What a value of each schema type looks like, in a user's words.
_TYPE_TEXT = {
    int: "an int",
    float: "a number",
    bool: "true or false",
    str: "a string",
    List[int]: "a list of ints, e.g. [4, 4]",
    List[float]: "a list of numbers, e.g. [0, 1, 1, 0]",
    List[List[Any]]: "a list of rows of numbers, e.g. [[0, 0, 1], [1, 1, 1]]",
}


def _expected(key: str) -> str | None:
    """What the schema allows at dotted `key`, in words; None if the schema has no such key."""
    kind = schema_type(key)
    if is_dataclass(kind):
        keys = list(field_types(kind))
        return f"a group of keys ({', '.join(keys)}), each set on its own, e.g. {key}.{keys[0]}=<value>"
    return _TYPE_TEXT.get(kind)


def _flat(text: str) -> str:
    """Hydra's message on one line: its lines joined as sentences."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(line if line[-1] in ".:;?!" else line + "." for line in lines)
