"""The segments report's application code: its inputs (:mod:`.data`) and texts (:mod:`.messages`)."""

from crm_models.report.segments.data import SegmentInputs, load_segment_inputs, segment_inputs

__all__ = ["SegmentInputs", "load_segment_inputs", "segment_inputs"]
