"""The docs cannot go stale silently: docs/catalogue.md lists exactly what each registry holds,
and docs/concepts.md names every key a run writes to rounds.jsonl and summary.json."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import fedprune
from fedprune.codec.stages import StageRegistry
from fedprune.registry import Registry

DOCS = Path(__file__).parents[2] / "docs"
HEADING = re.compile(r"^## .*?`([A-Z_]+)`", re.MULTILINE)
ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


def package_registries() -> dict[str, Registry | StageRegistry]:
    """Every module-level registry of the package, by its variable name (all modules imported,
    so each registration has run)."""
    found: dict[str, Registry | StageRegistry] = {}
    for info in pkgutil.walk_packages(fedprune.__path__, prefix="fedprune."):
        if info.name == "fedprune.__main__":  # importing it runs the command line
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Registry | StageRegistry) and name.isupper():
                assert found.setdefault(name, value) is value, f"two registries named {name}"
    return found


def catalogue_sections() -> dict[str, set[str]]:
    """Registry name in each ``##`` heading -> the names in the first column of its tables."""
    text = (DOCS / "catalogue.md").read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    sections: dict[str, set[str]] = {}
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        sections[heading.group(1)] = set(ROW.findall(text, heading.end(), end))
    return sections


REGISTRIES = package_registries()
SECTIONS = catalogue_sections()


def test_every_registry_of_the_package_has_a_catalogue_section() -> None:
    assert len(REGISTRIES) >= 20  # the discovery itself works
    assert sorted(REGISTRIES) == sorted(SECTIONS)


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_catalogue_section_lists_exactly_the_registered_names(name: str) -> None:
    registered = set(REGISTRIES[name].names())

    listed = SECTIONS.get(name, set())

    assert registered - listed == set(), f"{name}: registered but not in docs/catalogue.md"
    assert listed - registered == set(), f"{name}: in docs/catalogue.md but not registered"


def test_concepts_names_every_rounds_and_summary_key() -> None:
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    cfg = build_config(
        overrides=[
            "data.dataset=digits",
            "model.name=mlp",
            "data.num_clients=2",
            "federation.clients_per_round=2",
            "federation.rounds=1",
            "train.epochs=1",
            "pruning.end_round=1",
            "engine.threads=1",
        ]
    )
    result = Experiment(config=cfg).run()
    written = set(result.rounds[0]) | set(result.summary) | set(result.summary["parameters"])
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")

    missing = sorted(k for k in written if f"`{k}`" not in text)

    assert missing == []
