"""Segmentation and loyalty: RFM, value tiers, loyalty matrix, membership tiers, lifecycle."""
