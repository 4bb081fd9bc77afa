"""Data layer: load and validate transactions, summarise them, simulate data with known truth."""

from crm_models.data import datasets, simulate
from crm_models.data.activity import customer_activity, key_figures
from crm_models.data.io import load_transactions, read_table
from crm_models.data.summary import rfm_summary

__all__ = [
    "customer_activity",
    "datasets",
    "key_figures",
    "load_transactions",
    "read_table",
    "rfm_summary",
    "simulate",
]
