"""Report text in English and Chinese (``lang="en"|"zh"``), read from gettext catalogues.

Every phrase lives in ``crm_models/locale/<lang>/LC_MESSAGES/crm_models.po``: the ``msgid`` is the
key the code uses, the ``msgstr`` the text, with ``{name}`` placeholders filled by
:func:`translate`.  Phrases that depend on a count are plural entries (``msgid_plural``), looked
up with :func:`ntranslate` under the language's ``Plural-Forms`` rule (English 2 forms, Chinese 1).
The catalogues are read with Babel once, on first use.  A missing Chinese phrase falls back to
English; a missing key is an error (so typos do not ship silently).  Numbers, money and shares are
written by Babel in the report language's locale.  See docs/i18n.md for adding a phrase or a language.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

__all__ = ["LANGUAGES", "LOCALES", "DOMAIN", "translate", "ntranslate", "t", "catalogue", "catalogue_path",
           "has_key", "is_plural", "unit_name", "money", "number", "percent", "date", "join_list",
           "REPORT_TITLE_KEYS", "report_title"]

LANGUAGES = ("en", "zh")

#: The Babel locale that formats numbers, money and dates for each report language.
LOCALES = {"en": "en_US", "zh": "zh_CN"}

#: The gettext domain: the catalogue files are named ``<DOMAIN>.po``.
DOMAIN = "crm_models"

#: The catalogue key of each bundled report's title (for the batch index page).
REPORT_TITLE_KEYS = {"overview": "ov_title", "clv": "clv_title", "churn": "churn_title", "csi": "csi_title",
                     "segments": "seg_title"}


@dataclass(frozen=True)
class _Catalogue:
    """The phrases of one language: key -> text, or key -> plural forms (a tuple)."""

    messages: dict[str, str | tuple[str, ...]]
    plural: Callable[[int], int]


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")


def catalogue_path(lang: str):
    """The ``.po`` file of ``lang`` inside the installed package."""
    _check_language(lang)
    return resources.files("crm_models").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")


@functools.cache
def _load(lang: str) -> _Catalogue:
    with catalogue_path(lang).open("rb") as f:
        po = read_po(f, locale=LOCALES[lang], domain=DOMAIN)
    messages: dict[str, str | tuple[str, ...]] = {}
    for message in po:
        if not message.id:
            continue  # the header
        if message.pluralizable:
            forms = tuple(message.string)
            messages[message.id[0]] = forms if all(forms) else ()  # incomplete: English is used
        else:
            messages[message.id] = message.string
    return _Catalogue(messages, gettext.c2py(po.plural_expr))


def _entry(key: str, lang: str) -> tuple[str | tuple[str, ...], Callable[[int], int]]:
    """The phrase for ``key`` in ``lang`` (falling back to English) and the plural rule it follows."""
    _check_language(lang)
    own = _load(lang)
    found = own.messages.get(key)
    if found:
        return found, own.plural
    english = _load("en")
    if key not in english.messages:
        raise KeyError(f"no message {key!r} in the catalogue")
    return english.messages[key], english.plural


def _fill(text: str, values: dict[str, object]) -> str:
    return text.format(**values) if values else text


def translate(key: str, lang: str = "en", **values: object) -> str:
    """The phrase for ``key`` in ``lang``, with ``{name}`` placeholders filled from values.

    A plural entry gives its general form (``"weeks"``); use :func:`ntranslate` for a count.
    """
    found, plural = _entry(key, lang)
    if isinstance(found, tuple):
        found = found[plural(2)]
    return _fill(found, values)


def ntranslate(key: str, n: int, lang: str = "en", **values: object) -> str:
    """The form of plural phrase ``key`` for the count ``n`` (also available as ``{n}``).

    ``ntranslate("unit_W", 1)`` -> ``"week"``, ``ntranslate("unit_W", 3)`` -> ``"weeks"``; Chinese has
    one form.  A phrase without plural forms is returned as :func:`translate` would.
    """
    found, plural = _entry(key, lang)
    if isinstance(found, tuple):
        found = found[plural(int(n))]
    return _fill(found, {"n": n, **values})


#: Short alias of :func:`translate`, kept for the report notebooks.
t = translate


def catalogue(lang: str) -> dict[str, str]:
    """Every phrase in ``lang`` (English where no translation exists; plural entries in general form)."""
    _check_language(lang)
    return {key: translate(key, lang) for key in _load("en").messages}


def has_key(key: str) -> bool:
    """Whether the catalogue has a phrase ``key`` (in English, hence in every language)."""
    return key in _load("en").messages


def is_plural(key: str) -> bool:
    """Whether ``key`` is a plural entry (to be looked up with :func:`ntranslate`)."""
    return isinstance(_load("en").messages.get(key), tuple)


def unit_name(code: str, lang: str = "en", singular: bool = False) -> str:
    """Name of a time unit code (``"D"``, ``"W"``, ``"M"``, ``"Y"``): weeks / 周; other text unchanged.

    ``singular=True`` gives the form for one unit (``"week"``, as in "per week").
    """
    key = f"unit_{code}"
    if not has_key(key):
        return str(code)
    return ntranslate(key, 1 if singular else 2, lang)


def join_list(items: Iterable[object], lang: str = "en") -> str:
    """Items as an inline list in ``lang``: ``"a, b, c"`` / ``"a、b、c"`` (separator: key ``list_sep``)."""
    return translate("list_sep", lang).join(str(item) for item in items)


def number(value: float, decimals: int = 0, lang: str = "en") -> str:
    """``1234567.8`` -> ``"1,234,568"`` (grouping of ``lang``'s locale; ``decimals`` places)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALES.get(lang, lang))


def money(value: float, currency: str = "", decimals: int = 2, lang: str = "en") -> str:
    """Money with grouping and 2 decimals: ``money(1234.5, "€")`` -> ``€1,234.50``.

    ``currency`` is a symbol written before the amount (``"€"``, ``"¥"``) or an ISO 4217 code
    (``"EUR"``, ``"CNY"``), which Babel writes as ``lang``'s locale does.
    """
    locale = LOCALES.get(lang, lang)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if len(currency) == 3 and currency.isalpha() and currency.isupper():
        return format_currency(value, currency, format="¤" + pattern, locale=locale, currency_digits=False)
    sign = "-" if value < 0 else ""
    return f"{sign}{currency}{format_decimal(abs(value), format=pattern, locale=locale)}"


def percent(value: float, decimals: int = 1, lang: str = "en") -> str:
    """A share as a percentage: ``0.1234`` -> ``"12.3%"``."""
    pattern = "0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return format_percent(value, format=pattern, locale=LOCALES.get(lang, lang))


def date(value: object, lang: str = "en", format: str = "yyyy-MM-dd") -> str:
    """A calendar date in ``lang``'s locale; ``format``: a CLDR pattern, or ``"short"``, ``"long"``...

    The default is the ISO form the reports use in tables and tick labels (``2024-03-31``).
    """
    import pandas as pd

    return format_date(pd.Timestamp(value).date(), format=format, locale=LOCALES.get(lang, lang))


def report_title(notebook: str, lang: str = "en", default: str = "") -> str:
    """Title of a bundled report notebook in ``lang``; other notebooks keep ``default`` (or their name)."""
    key = REPORT_TITLE_KEYS.get(notebook)
    if key is None:
        return default or notebook
    return translate(key, lang)
