"""Chinese HTML pages carry the glyphs they need: a subset of Noto Sans CJK SC, embedded.

A browser draws Chinese text with a system font; a fresh machine (a container, a
headless browser, a lab PC without CJK fonts) has none and shows boxes ("tofu"). The
figures do not depend on system fonts (:mod:`crm_models.plotting.style` uses the Noto Sans
CJK SC file shipped by the dependency ``mplfonts``); :func:`embed_cjk_font` does the same for
the HTML pages we write (the five reports, the batch index, the coursework class report and
feedback pages):

1. collect the distinct CJK characters of the page's visible text (text outside
   ``<script>``/``<style>``, the ``<title>``, ``alt``/``title``/``aria-label`` attributes);
2. subset that font to exactly those characters with :mod:`fontTools.subset` (outlines only:
   no hinting, no OpenType layout tables, which horizontal Chinese text does not need);
3. add one ``<style>`` block at the start of ``<head>`` with ``@font-face {font-family: "CRM CJK";
   src: url(data:font/woff;base64,...)}`` (WOFF2 when ``brotli`` is importable) and the
   font's copyright and licence (SIL Open Font License 1.1, as the licence asks);
4. put ``"CRM CJK"`` in front of every font-family list of the page's style sheets. The face
   declares a ``unicode-range`` of exactly its CJK characters, so every other character (Latin
   letters, digits, ``²``, ``—``) is drawn by the page's own fonts as before; only CJK text uses
   the embedded glyphs. (Placed *after* the page's fonts, the face was never reached in
   headless Chromium on a machine without CJK fonts: the system families before it claimed the
   characters and drew boxes.)

Only pages with CJK characters (:func:`has_cjk`) change: an English page is returned as it
was, byte for byte; an English page that shows Chinese customer names gets the few glyphs
of those names. The embedded font is a ``data:`` URL, so the page still loads nothing from
the network.

The 16 MB font file is read once per process (:func:`_font_bytes`); each page
then costs one subsetting (about a second, see docs/i18n.md for measured numbers).
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import importlib.util
import io
import re
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["FONT_FAMILY", "embed_cjk_font", "embed_cjk_font_svg", "font_face_css", "has_cjk", "visible_text",
           "cjk_characters", "page_characters", "unicode_range", "subset_font", "font_path", "font_notice"]

#: the family name the embedded subset is declared under
FONT_FAMILY = "CRM CJK"
#: the Noto Sans CJK SC file shipped by mplfonts (the one the figures use)
BUNDLED_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")

#: Unicode blocks of Chinese (and Japanese/Korean) script and their punctuation
_CJK_RANGES = ((0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x312F),
               (0x3190, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
               (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
               (0x20000, 0x2FA1F))
_CJK_CLASS = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _CJK_RANGES) + "]")
#: tables horizontal Chinese text does without (layout, vertical metrics): dropped before
#: subsetting, which also spares decompiling them (most of fontTools' time on this font)
_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx", "DSIG")
_VISIBLE_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a character of a CJK block (Han, kana, hangul, CJK punctuation)."""
    return _CJK_CLASS.search(text) is not None


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0  # inside <script>/<style>/<template>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts.extend(value for name, value in attrs if name in _VISIBLE_ATTRIBUTES and value)

    def handle_startendtag(self, tag, attrs):
        self.parts.extend(value for name, value in attrs if name in _VISIBLE_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of ``html`` a reader can see: element text outside ``<script>``/``<style>``
    (the ``<title>`` included) and the ``alt``, ``title``, ``aria-label`` and ``placeholder``
    attributes, entities decoded."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "\n".join(collector.parts)


def cjk_characters(text: str) -> str:
    """The distinct characters of CJK blocks in ``text``, sorted."""
    return "".join(sorted(set(_CJK_CLASS.findall(text))))


def page_characters(html: str) -> str:
    """The distinct CJK characters of the visible text of ``html``, sorted: what the embedded
    subset must draw."""
    return cjk_characters(visible_text(html))


def unicode_range(characters: str) -> str:
    """A CSS ``unicode-range`` value covering exactly ``characters`` (runs merged)."""
    points = sorted({ord(ch) for ch in characters})
    runs: list[list[int]] = []
    for cp in points:
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def font_path() -> Path:
    """The Noto Sans CJK SC file of ``mplfonts``; a :class:`~crm_models.errors.CRMDataError`
    without it (a dependency of the package, so only a broken installation lacks it)."""
    from crm_models.errors import CRMDataError

    package, name = BUNDLED_FONT
    try:
        path = Path(str(importlib.resources.files(package).joinpath(name)))
    except (ImportError, TypeError):
        path = None
    if path is None or not path.is_file():
        raise CRMDataError(f"Chinese HTML pages embed the font {package}/{name}, which is missing; "
                           f"reinstall the dependency: pip install --force-reinstall {package}")
    return path


@functools.lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    """The bundled font file, read once per process (16 MB); each subset parses it lazily from
    memory, so only the tables a subset needs are decompiled."""
    return font_path().read_bytes()


def _open_font():
    """The bundled font, parsed lazily, without the tables a subset drops anyway (deleting them
    first spares decompiling them: most of fontTools' time on this font)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(_font_bytes()), lazy=True)
    for tag in _DROP_TABLES:
        if tag in font:
            del font[tag]
    return font


@functools.lru_cache(maxsize=1)
def _font_cmap() -> frozenset[int]:
    """The code points the bundled font draws (read once per process)."""
    return frozenset(_open_font().getBestCmap())


@functools.lru_cache(maxsize=1)
def font_notice() -> str:
    """``Noto Sans CJK SC: <copyright>; SIL Open Font License 1.1``, read from the font's
    name table (the notice the licence asks to travel with the font)."""
    name = _open_font()["name"]
    family = name.getDebugName(16) or name.getDebugName(1) or "Noto Sans CJK SC"
    copyright_ = name.getDebugName(0) or ""
    return f"{family}: {copyright_} Licensed under the SIL Open Font License 1.1 (https://openfontlicense.org)."


def _flavor() -> str:
    return "woff2" if importlib.util.find_spec("brotli") is not None else "woff"


def subset_font(characters: str, flavor: str | None = None) -> bytes:
    """The bundled Noto Sans CJK SC reduced to the glyphs of ``characters`` (those it has).

    Parameters
    ----------
    characters:
        Text whose characters the subset must draw; characters the font lacks are skipped.
    flavor:
        ``"woff"`` (zlib) or ``"woff2"`` (needs ``brotli``); by default WOFF2 if ``brotli`` is
        importable, else WOFF.

    Returns
    -------
    bytes
        The font file: a cmap with exactly the requested characters the font has, their
        outlines (CFF, unhinted) and ``.notdef``; the name table keeps the copyright.
    """
    from fontTools import subset

    options = subset.Options()
    options.flavor = flavor or _flavor()
    options.hinting = False
    options.desubroutinize = True  # smaller after compression, and faster to rasterise
    options.layout_features = []
    options.drop_tables += list(_DROP_TABLES)
    options.notdef_outline = True
    font = _open_font()
    wanted = sorted({ord(ch) for ch in characters} & _font_cmap())
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


_FAMILY_DECLARATION = re.compile(
    r"(?P<prop>(?<![\w-])(?:--[\w-]*font-family[\w-]*|font-family)\s*:)(?P<value>[^;{}]*)")
_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
_CSS_KEYWORDS = {"inherit", "initial", "unset", "revert", "revert-layer"}


def _with_fallback(match: re.Match) -> str:
    value = match["value"]
    body = value.rstrip()
    important = ""
    if body.lower().endswith("!important"):
        body, important = body[: -len("!important")].rstrip(), " !important"
    if not body.strip() or body.strip().lower() in _CSS_KEYWORDS or "var(" in body or FONT_FAMILY in body:
        return match.group(0)
    lead = body[: len(body) - len(body.lstrip())]
    trailing = value[len(value.rstrip()):]
    return f'{match["prop"]}{lead}"{FONT_FAMILY}", {body.lstrip()}{important}{trailing}'


def _add_fallback_family(html: str) -> tuple[str, int]:
    count = 0

    def block(m: re.Match) -> str:
        nonlocal count
        css, n = _FAMILY_DECLARATION.subn(_with_fallback, m.group(2))
        count += n
        return m.group(1) + css + m.group(3)

    return _STYLE_BLOCK.sub(block, html), count


def font_face_css(characters: str) -> str:
    """The ``@font-face`` rule of ``"CRM CJK"``: the subset of ``characters`` as a ``data:``
    URL, its ``unicode-range``, and the font's copyright and licence in a comment."""
    flavor = _flavor()
    data = base64.b64encode(subset_font(characters, flavor)).decode("ascii")
    have = "".join(ch for ch in sorted(set(characters)) if ord(ch) in _font_cmap())
    notice = font_notice().replace("*/", "* /")
    return (f"/* {FONT_FAMILY}: a subset of {notice} */\n"
            f'@font-face{{font-family:"{FONT_FAMILY}";font-style:normal;font-weight:normal;'
            f"unicode-range:{unicode_range(have)};"
            f'src:url(data:font/{flavor};base64,{data}) format("{flavor}")}}\n')


_SVG_ROOT = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)


def embed_cjk_font_svg(svg: str) -> str:
    """A standalone SVG document (e.g. one shown with ``<img src="data:image/svg+xml...">``)
    with the glyphs of its CJK text embedded, if it has any; else ``svg`` unchanged.

    An SVG shown as an image cannot use the fonts of the page around it, so it carries its
    own subset: a ``<style>`` after the root element with the ``@font-face`` rule of
    :func:`font_face_css` and ``"CRM CJK"`` in front of the root's ``font-family``.
    """
    text = visible_text(svg)
    root = _SVG_ROOT.search(svg)
    if root is None or not has_cjk(text):
        return svg
    family = re.search(r'\sfont-family="([^"]*)"', root.group(0))
    families = family.group(1) if family else "sans-serif"
    style = (f"<style>{font_face_css(cjk_characters(text))}"
             f'svg{{font-family:"{FONT_FAMILY}", {families}}}</style>')
    return svg[: root.end()] + style + svg[root.end():]


def embed_cjk_font(html: str) -> str:
    """``html`` with a subset of Noto Sans CJK SC embedded, if its visible text has CJK characters.

    The subset holds exactly the CJK characters of the visible text that the font has
    (:func:`page_characters`); it is declared as ``"CRM CJK"``, with a ``unicode-range`` of
    those characters, in a ``<style>`` block at the start of ``<head>`` (with the font's
    copyright and the SIL Open Font License 1.1 notice), and put in front of every
    ``font-family`` list of the page's style sheets: CJK characters take its glyphs, every
    other character the page's own fonts. A page without CJK characters is returned unchanged
    (the same string).
    """
    text = visible_text(html)
    if not has_cjk(text):
        return html
    style = f"<style>{font_face_css(cjk_characters(text))}</style>\n"
    html, _ = _add_fallback_family(html)
    # first in <head> (after <meta charset>), before the style sheets that name the family
    anchor = re.search(r"<meta\s+charset[^>]*>", html, re.IGNORECASE) or re.search(r"<head\b[^>]*>", html,
                                                                                 re.IGNORECASE)
    if anchor is None:  # a fragment: the style block goes first
        return style + html
    return html[: anchor.end()] + "\n" + style + html[anchor.end():]
