"""The message catalogue: every phrase in both languages, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from crm_models.report import i18n


@pytest.fixture(scope="module")
def catalogue():
    i18n.load_area_messages()
    return i18n._CATALOGUE


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_area_key_is_translated(catalogue):
    assert set(catalogue["en"]) == set(catalogue["zh"])
    for prefix in ("clv_", "churn_", "seg_", "csi_", "ov_"):
        assert any(k.startswith(prefix) for k in catalogue["en"]), prefix


def test_placeholders_agree_between_languages(catalogue):
    differ = {k: (_fields(v), _fields(catalogue["zh"][k])) for k, v in catalogue["en"].items()
              if _fields(v) != _fields(catalogue["zh"][k])}
    assert differ == {}


def test_chinese_text_is_chinese(catalogue):
    # a phrase left in English in the zh catalogue is a missed translation (codes and symbols excepted)
    untranslated = [k for k, v in catalogue["zh"].items()
                    if v == catalogue["en"][k] and any(c.isalpha() for c in v) and len(v) > 6]
    assert untranslated == []


def test_translate_fills_values_and_refuses_unknown_keys():
    assert i18n.t("ov_kf_top20", "zh", share=0.731) == "消费最多的前 20% 客户贡献了 **73%** 的收入。"
    with pytest.raises(KeyError, match="no_such_key"):
        i18n.t("no_such_key")
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.t("ov_title", "fr")


def test_units_and_number_formats():
    assert i18n.unit_name("W") == "weeks" and i18n.unit_name("M", "zh") == "个月"
    assert i18n.unit_name("W", singular=True) == "week" and i18n.unit_name("fortnights") == "fortnights"
    assert i18n.money(1234567.891) == "1,234,567.89"
    assert i18n.money(-1234.5, "€") == "-€1,234.50"
    assert i18n.number(1234567.5) == "1,234,568"
    assert i18n.percent(0.12345) == "12.3%"
