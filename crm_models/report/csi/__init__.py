"""The CSI report's application code: the survey loader (:mod:`.data`), styled tables
(:mod:`.tables`), data-check sentences (:mod:`.text`) and texts (:mod:`.messages`)."""

from crm_models.report.csi.data import load_survey

__all__ = ["load_survey"]
