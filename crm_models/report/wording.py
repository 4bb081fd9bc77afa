"""Find codes where a reader expects words: the text a report shows, scanned for leftovers.

:func:`visible_text` returns what a reader of an HTML report sees (no scripts, styles or
hidden cells); :func:`code_tokens` finds ``snake_case`` identifiers and ``A -> B`` path
codes in it; :func:`english_words` finds Latin-script words in a Chinese report that are
not on the allow-list of names and units that stay in English (BG/NBD, RFM, AIC, ...).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["ALLOWED_LATIN", "visible_text", "code_tokens", "english_words"]

#: Latin-script words a Chinese report may show: model and method names, statistics, units,
#: authors cited (Zhao, Lynch & Chen 2010 mediation types; Shmueli et al. 2019 PLSpredict) and
#: SmartPLS/seminr's statistic Q²predict (tokenised as "Q" and "predict").
ALLOWED_LATIN = frozenset("""
    ACSI ECSI CSI PLS GoF AVE HTMT BCa IPMA OLS AIC ΔAIC RFM CLV BG NBD MBG BB Pareto Gamma Cox
    Weibull Kaplan Meier Log rank Holm Brier Schoenfeld Cronbach alpha rho Fornell Larcker Henseler
    Hair Ringle Sarstedt Cohen Tenenhaus et al Fader Hardie Lee Kano sBG Telco IBM Dillon Goldstein
    T p t R f df n k c A B C D E F H M CI SD chi log ns
    a b q r s v i x alpha beta gamma BIC MAE RMSE MAPE VIP Batislam Colombo Morrison Schmittlein CNBD
    ROC AUC PR
    Zhao Lynch Chen Shmueli PLSpredict Q predict
""".split())

_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]\b")
_PATH_CODE = re.compile(r"\b[A-Z]{2,}\s*(?:->|<->)\s*[A-Z]{2,}\b")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


class _TextParser(HTMLParser):
    # <code> holds names the reader types (a parameter such as `scale_max=7`), shown as code on
    # purpose: they are instructions, not labels, so they are not words to translate
    _SKIP = {"script", "style", "head", "title", "code"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "td", "th"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of an HTML page a reader sees (tags, scripts, styles and inline code removed)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return re.sub(r"[ \t]+", " ", "".join(parts for parts in parser.parts))


def code_tokens(text: str) -> list[str]:
    """``snake_case`` identifiers and ``VAL -> SAT`` construct codes in ``text`` (sorted, unique).

    File names such as ``transactions.csv`` and links are not codes: words followed by a file
    extension are ignored.
    """
    text = re.sub(r"\S+\.(?:csv|html|parquet|xlsx|ipynb|json|yml|yaml|png)\b", " ", text)
    found = set(_SNAKE.findall(text)) | set(_PATH_CODE.findall(text))
    return sorted(found)


def english_words(text: str, allowed: frozenset[str] | set[str] = ALLOWED_LATIN) -> list[str]:
    """Latin-script words in a Chinese text that are not in ``allowed`` (sorted, unique)."""
    text = re.sub(r"\S+\.(?:csv|html|parquet|xlsx|ipynb|json|yml|yaml|png)\b", " ", text)
    text = re.sub(r"\d(?:\.\d+)?e[-+]?\d+", " ", text)  # 1.2e-05 is a number
    text = text.replace("k-means", " ")  # the method's name
    words = {re.sub(r"['’]s$", "", w).strip("'’") for w in _LATIN_WORD.findall(text)}  # Cronbach's
    return sorted(w for w in words if w and w not in allowed)
