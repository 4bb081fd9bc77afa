"""Data layer: load and validate transactions, summarise them, simulate data with known truth."""

from crm_models.data import datasets, simulate
from crm_models.data.activity import customer_activity, key_figures
from crm_models.data.backends import connect
from crm_models.data.io import load_transactions, read_table
from crm_models.data.scan import scan_transactions
from crm_models.data.summary import rfm_summary, total_spend
from crm_models.data.tables import TransactionTable, transaction_table

__all__ = [
    "TransactionTable",
    "connect",
    "scan_transactions",
    "transaction_table",
    "customer_activity",
    "datasets",
    "key_figures",
    "load_transactions",
    "read_table",
    "rfm_summary",
    "simulate",
    "total_spend",
]
