"""Data layer: load and validate transactions, summarise them, simulate data with known truth."""

from crm_models.data import datasets, simulate
from crm_models.data.io import load_transactions, read_table
from crm_models.data.summary import rfm_summary

__all__ = ["datasets", "load_transactions", "read_table", "rfm_summary", "simulate"]
