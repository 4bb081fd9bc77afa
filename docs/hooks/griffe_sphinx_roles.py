"""Docstring extension of the documentation site: Sphinx roles become cross references.

The docstrings use Sphinx roles (``:func:`name```, ``:class:`~crm_models.x.Y```), readable in
``help()`` and in IDEs. On the site each becomes inline code, linked to the object's entry in
the API reference when it has one: the name is resolved in the scope of the docstring's object,
as Python would, and emitted as an *optional* cross reference (an object the reference does not
render, such as ``pandas.DataFrame``, stays plain code instead of failing the build).
Formulas (``:math:`x``` and ``.. math::`` blocks) become the site's TeX math (arithmatex).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const|ref):"
    r"`(?P<tilde>~?)(?P<text>[^`<]+?)(?:\s*<(?P<target>[^>`]+)>)?`"
)

MATH_ROLE = re.compile(r":math:`(?P<tex>[^`]+)`")
MATH_BLOCK = re.compile(  # the directive, then its lines indented deeper than it (blank lines between)
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*\n"
    r"(?P<body>(?:[ \t]*\n)*(?:(?P=indent)[ \t]+\S.*\n?(?:[ \t]*\n)*)+)",
    re.MULTILINE,
)


def _math(text: str) -> str:
    def block(m: re.Match) -> str:
        indent = m["indent"]
        lines = [line.strip() for line in m["body"].splitlines() if line.strip()]
        body = "\n".join(f"{indent}{line}" for line in lines)
        return f"{indent}$$\n{body}\n{indent}$$\n\n"

    text = MATH_BLOCK.sub(block, text)
    return MATH_ROLE.sub(lambda m: f"\\({m['tex']}\\)", text)


def _resolve(obj: griffe.Object, name: str) -> str | None:
    """The full path of ``name`` seen from ``obj`` (None: not an object of the package)."""
    name = name.lstrip(".")
    if name.startswith("crm_models"):
        return name
    head, _, rest = name.partition(".")
    scope = obj if (obj.is_module or obj.is_class) else obj.parent
    try:
        path = scope.resolve(head) if scope is not None else None
    except Exception:  # griffe's NameResolutionError, or a scope without the name
        return None
    if not path or not path.startswith("crm_models"):
        return None
    return f"{path}.{rest}" if rest else path


def _rewrite(obj: griffe.Object, text: str) -> str:
    def replace(m: re.Match) -> str:
        name = m["target"] or m["text"]
        title = m["text"] if m["target"] else (name.rsplit(".", 1)[-1] if m["tilde"] else name)
        code = f"<code>{escape(title.strip())}</code>"
        path = _resolve(obj, name.strip())
        return f'<autoref identifier="{escape(path)}" optional>{code}</autoref>' if path else code

    return ROLE.sub(replace, _math(text))


def _walk(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if obj.docstring is not None and ":" in obj.docstring.value:
        obj.docstring.value = _rewrite(obj, obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _walk(member, seen)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _walk(pkg, set())
