"""The gettext catalogues: every phrase in both languages, same placeholders, complete plural forms."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from crm_models.report import i18n

#: English phrases that need no Chinese text (the Chinese report falls back to English for them):
#: none today; add a key here, with the reason, rather than leaving a msgstr empty by accident.
ENGLISH_FALLBACK: dict[str, str] = {}


def _read(lang: str):
    with i18n.catalogue_path(lang).open("rb") as f:
        return read_po(f, locale=i18n.LOCALES[lang], domain=i18n.DOMAIN)


@pytest.fixture(scope="module")
def po():
    return {lang: _read(lang) for lang in i18n.LANGUAGES}


def _key(message) -> str:
    return message.id[0] if message.pluralizable else message.id


def _texts(message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _entries(catalog) -> dict[str, object]:
    return {_key(m): m for m in catalog if m.id}


def test_catalogues_are_in_the_package_and_declare_their_plural_rule(po):
    assert po["en"].num_plurals == 2 and po["en"].plural_expr == "(n != 1)"
    assert po["zh"].num_plurals == 1 and po["zh"].plural_expr == "0"
    for lang in i18n.LANGUAGES:
        assert i18n.catalogue_path(lang).name == "crm_models.po"
        assert str(i18n.catalogue_path(lang)).replace("\\", "/").endswith(
            f"crm_models/locale/{lang}/LC_MESSAGES/crm_models.po")


def test_every_english_phrase_has_a_chinese_one(po):
    en, zh = _entries(po["en"]), _entries(po["zh"])
    assert set(en) == set(zh)
    untranslated = {k for k, m in zh.items() if not all(_texts(m))}
    assert untranslated <= set(ENGLISH_FALLBACK)
    for prefix in ("clv_", "churn_", "seg_", "csi_", "ov_", "cw_", "data_used_"):
        assert any(k.startswith(prefix) for k in en), prefix


def test_placeholders_agree_between_languages(po):
    en, zh = _entries(po["en"]), _entries(po["zh"])
    differ = {}
    for key, message in en.items():
        wanted = {frozenset(_fields(text)) for text in _texts(message)}
        got = {frozenset(_fields(text)) for text in _texts(zh[key]) if text}
        if got and got != wanted:
            differ[key] = (wanted, got)
    assert differ == {}


def test_plural_entries_are_complete(po):
    en, zh = _entries(po["en"]), _entries(po["zh"])
    plural_keys = {k for k, m in en.items() if m.pluralizable}
    assert {"unit_D", "unit_W", "unit_M", "unit_Y"} <= plural_keys
    assert plural_keys == {k for k, m in zh.items() if m.pluralizable}
    for lang, entries in (("en", en), ("zh", zh)):
        for key in plural_keys:
            forms = _texts(entries[key])
            assert len(forms) == po[lang].num_plurals and all(forms), (lang, key)


def test_chinese_text_is_chinese():
    # a phrase left in English in the zh catalogue is a missed translation (codes and symbols excepted)
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    untranslated = [k for k, v in zh.items() if k not in ENGLISH_FALLBACK
                    and v == en[k] and any(c.isalpha() for c in v) and len(v) > 6]
    assert untranslated == []


def test_translate_fills_values_and_refuses_unknown_keys():
    assert i18n.translate("ov_kf_top20", "zh", share=0.731) == "消费最多的前 20% 客户贡献了 **73%** 的收入。"
    assert i18n.t is i18n.translate  # the notebooks' short name
    with pytest.raises(KeyError, match="no_such_key"):
        i18n.translate("no_such_key")
    with pytest.raises(KeyError, match="no_such_key"):
        i18n.ntranslate("no_such_key", 2)
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.translate("ov_title", "fr")


def test_plurals_follow_the_language_rule():
    assert [i18n.ntranslate("unit_W", n) for n in (0, 1, 2, 5)] == ["weeks", "week", "weeks", "weeks"]
    assert [i18n.ntranslate("unit_W", n, "zh") for n in (1, 2)] == ["周", "周"]
    assert i18n.translate("unit_W") == "weeks" and i18n.is_plural("unit_W") and not i18n.is_plural("ov_title")
    assert i18n.ntranslate("ov_title", 3) == i18n.translate("ov_title")


def test_missing_chinese_falls_back_to_english(monkeypatch):
    zh = i18n._load("zh")
    monkeypatch.delitem(zh.messages, "ov_title")
    assert i18n.translate("ov_title", "zh") == i18n.translate("ov_title", "en")


def test_units_and_number_formats():
    assert i18n.unit_name("W") == "weeks" and i18n.unit_name("M", "zh") == "个月"
    assert i18n.unit_name("W", singular=True) == "week" and i18n.unit_name("fortnights") == "fortnights"
    assert i18n.money(1234567.891) == "1,234,567.89"
    assert i18n.money(-1234.5, "€") == "-€1,234.50"
    assert i18n.money(1234.5, "EUR") == "€1,234.50" and i18n.money(1234.5, "CNY", lang="zh") == "¥1,234.50"
    assert i18n.number(1234567.5) == "1,234,568" and i18n.number(1234.567, 2, "zh") == "1,234.57"
    assert i18n.percent(0.12345) == "12.3%" and i18n.percent(0.5, 0, "zh") == "50%"


def test_coursework_questions_come_from_the_catalogue():
    from crm_models.coursework.questions import QUESTIONS

    for q in QUESTIONS:
        assert i18n.has_key(f"cw_{q.key}")
        assert q.text("zh").startswith(i18n.translate(f"cw_{q.key}", "zh")) and q.text("zh") != q.text("en")


def test_dates_in_the_report_locale():
    assert i18n.date("2024-03-31") == i18n.date("2024-03-31", "zh") == "2024-03-31"
    assert i18n.date("2024-03-31", "zh", "long") == "2024年3月31日"
    assert i18n.date("2024-03-31", "en", "long") == "March 31, 2024"


def test_one_list_separator_for_every_report():
    for lang in i18n.LANGUAGES:
        assert i18n.translate("list_sep", lang) == i18n.translate("churn_list_sep", lang)
    assert i18n.join_list(["a", "b", 3]) == "a, b, 3" and i18n.join_list(["甲", "乙"], "zh") == "甲、乙"


def test_package_data_ships_the_catalogues():
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parents[1]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = setuptools["package-data"]["crm_models"]
    package = root / "crm_models"
    shipped = {p for pattern in globs for p in package.glob(pattern)}
    catalogues = set(package.glob("locale/*/LC_MESSAGES/*.po"))
    assert {package / "locale" / lang / "LC_MESSAGES" / "crm_models.po"
            for lang in i18n.LANGUAGES} <= catalogues
    assert catalogues <= shipped


def test_construct_names_follow_the_model_presets():
    from crm_models.csi.presets import CONSTRUCT_LABELS
    from crm_models.report.csi.messages import construct_label

    assert {code: construct_label(code) for code in CONSTRUCT_LABELS} == CONSTRUCT_LABELS
    assert construct_label("SAT", "zh") == "顾客满意" and construct_label("XYZ", "zh") == "XYZ"
