"""One message catalogue for report text in English and Chinese (``lang="en"|"zh"``).

Notebooks and the runner look phrases up by key with :func:`translate` (alias ``t``);
areas can add their own keys with :func:`register`.  A missing Chinese phrase falls back
to English, a missing key is an error (so typos do not ship silently).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGUAGES", "translate", "t", "register", "catalogue"]

LANGUAGES = ("en", "zh")

_CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "index_title": "CRM reports",
        "run_started": "started",
        "run_finished": "finished",
        "run_status": "status",
        "status_ok": "ok",
        "status_failed": "failed",
        "col_report": "report",
        "col_name": "name",
        "col_status": "status",
        "col_seconds": "seconds",
        "col_parameters": "parameters",
    },
    "zh": {
        "index_title": "客户关系管理报告",
        "run_started": "开始时间",
        "run_finished": "结束时间",
        "run_status": "状态",
        "status_ok": "成功",
        "status_failed": "失败",
        "col_report": "报告",
        "col_name": "名称",
        "col_status": "状态",
        "col_seconds": "耗时（秒）",
        "col_parameters": "参数",
    },
}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add phrases: ``{"en": {key: text}, "zh": {key: text}}``."""
    for lang, entries in messages.items():
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
        _CATALOGUE[lang].update(entries)


def translate(key: str, lang: str = "en", **values: object) -> str:
    """The phrase for ``key`` in ``lang``, with ``{name}`` placeholders filled from values."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
    text = _CATALOGUE[lang].get(key) or _CATALOGUE["en"].get(key)
    if text is None:
        raise KeyError(f"no message {key!r} in the catalogue")
    return text.format(**values) if values else text


t = translate


def catalogue(lang: str) -> dict[str, str]:
    """A copy of every phrase in ``lang`` (English where no translation exists)."""
    return {**_CATALOGUE["en"], **_CATALOGUE[lang]}
