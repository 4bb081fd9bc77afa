"""Data layer: load and validate transactions, summarise them, simulate data with known truth."""

from crm_models.data import simulate
from crm_models.data.io import load_transactions, read_table
from crm_models.data.summary import rfm_summary

__all__ = ["load_transactions", "read_table", "rfm_summary", "simulate"]
