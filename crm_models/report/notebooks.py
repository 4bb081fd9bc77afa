"""Find the report notebooks and read their parameters (the cell tagged ``parameters``)."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

from crm_models.errors import ReportError

__all__ = ["NotebookInfo", "default_notebook_dir", "discover", "read_parameters"]


def default_notebook_dir() -> Path:
    """``notebooks/`` of this checkout, or of the current directory."""
    here = Path(__file__).resolve().parents[2] / "notebooks"
    if here.is_dir():
        return here
    return Path.cwd() / "notebooks"


@dataclass(frozen=True)
class NotebookInfo:
    name: str
    path: Path
    parameters: dict[str, object] = field(default_factory=dict)
    title: str = ""


def read_parameters(path: Path) -> dict[str, object]:
    """Names and default values assigned in the notebook's ``parameters`` cell.

    Defaults are evaluated as Python literals where possible (else kept as source text).
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [c for c in nb.get("cells", [])
             if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ReportError(f"{path}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    source = "".join(cells[0]["source"]) if isinstance(cells[0]["source"], list) else cells[0]["source"]
    params: dict[str, object] = {}
    for node in ast.parse(source).body:
        targets = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    params[target.id] = ast.literal_eval(value)
                except ValueError:
                    params[target.id] = ast.get_source_segment(source, value)
    return params


def _title(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in text.splitlines():
                if line.startswith("#"):
                    return line.lstrip("# ").strip()
    return path.stem


def discover(directory: Path | None = None) -> dict[str, NotebookInfo]:
    """All ``*.ipynb`` in the notebook folder, by name (file stem), sorted."""
    directory = Path(directory) if directory else default_notebook_dir()
    if not directory.is_dir():
        raise ReportError(f"notebook folder not found: {directory}")
    found = {}
    for path in sorted(directory.glob("*.ipynb")):
        found[path.stem] = NotebookInfo(path.stem, path, read_parameters(path), _title(path))
    return found
