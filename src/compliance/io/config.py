"""Read a data set's ``compliance.yaml`` (model: ``compliance.model.config.DatasetConfig``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .. import cache
from ..model.config import DatasetConfig
from .issues import DatasetError, LoadIssue
from .readers import organisation_key_lines, read_structured

CONFIG_FILE = "compliance.yaml"


def read_config(directory: Path) -> DatasetConfig | None:
    """The data set's ``compliance.yaml``, None when it has none; DatasetError naming file, line,
    field and value for every problem (an unknown key is one)."""
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        return None
    # validated once per content (compliance.cache): building the model's validator, the first a
    # run needs, cost a warm start-up about 15 ms of its 290; a file with a problem is never stored
    entry = _cache_entry(path)
    cached = cache.load(entry) if entry else None
    if isinstance(cached, DatasetConfig):
        return cached
    doc, issues = read_structured(path, "compliance")
    if issues:
        raise DatasetError(issues)
    try:
        config = DatasetConfig.model_validate(doc)
    except ValidationError as exc:
        lines = organisation_key_lines(path)
        problems = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"])
            top = str(err["loc"][0]) if err["loc"] else ""
            value = err.get("input")
            shown = "" if err["type"] == "missing" or isinstance(value, (dict, list)) else repr(value)
            message = err["msg"] if err["type"] != "extra_forbidden" else "unknown key; expected profile, packs, rule_params or note"
            problems.append(LoadIssue(path.name, f"line {lines[top]}" if top in lines else "", loc, message, shown, "compliance"))
        raise DatasetError(problems) from None
    if entry and not cache.transient([path]):
        cache.store(entry, config)
    return config


def _cache_entry(path: Path) -> str | None:
    if not cache.enabled():
        return None
    try:
        return cache.key("config", [str(path), path.read_bytes()])
    except OSError:
        return None


def config_rules(directory: Path, config: DatasetConfig | None) -> list[str]:
    """The ``--rules`` entries a data set's config names: its profile's packs, then ``packs`` (paths
    taken relative to the data set); empty when it names neither."""
    from ..rules.packs import PackError, is_pack_name, profile_packs

    if config is None:
        return []
    out: list[str] = []
    if config.profile:
        try:
            out += profile_packs(config.profile)
        except PackError as exc:
            raise DatasetError([LoadIssue(CONFIG_FILE, "", "profile", exc.problems[0][1],
                                          repr(config.profile), "compliance")]) from None
    out += [p if is_pack_name(p) else str(Path(directory) / p) for p in config.packs]
    return list(dict.fromkeys(out))
