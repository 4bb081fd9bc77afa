"""environment.yml (conda) and pyproject.toml must list the same packages."""

import re
import sys

import pytest
from helpers import REPO

tomllib = pytest.importorskip("tomllib") if sys.version_info < (3, 11) else __import__("tomllib")


#: conda-forge packages named differently from their PyPI distribution
CONDA_NAMES = {"ibis-duckdb": "ibis-framework", "python-duckdb": "duckdb"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_NAMES.get(name, name)


def test_environment_yml_lists_the_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    conda = set()
    text = (REPO / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"\s*-\s+([A-Za-z0-9_.\-]+)", line)
        if m and m.group(1) not in ("python", "pip"):
            conda.add(_name(m.group(1)))
    assert conda == wanted, f"only in pyproject: {wanted - conda}; only in environment.yml: {conda - wanted}"
