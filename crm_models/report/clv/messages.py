"""English and Chinese text of the CLV report and figures: label helpers over the report catalogue.

The phrases (keys ``clv_*``) live in the gettext catalogues read by
:mod:`crm_models.report.i18n`; this module keeps the helpers that build labels from them;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``).
"""

from __future__ import annotations

from crm_models.report.i18n import translate

__all__ = ["t"]


#: ``t(key, lang="en", **values)``: a CLV phrase in ``lang`` (the shared
#: :func:`~crm_models.report.i18n.translate`, under the short name the report notebooks import)
t = translate
