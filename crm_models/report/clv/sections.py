"""The CLV report's results and sentences: everything the notebook shows, computed here.

:func:`analyse` fits the purchase and spend models and computes the tables of the report;
the ``*_markdown`` functions write its sentences (text values escaped for Markdown, see
:func:`~crm_models.report.safe.markdown_translator`); :func:`summary_record` gives the key
figures of a scheduled run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_models.clv import (
    GammaGammaModel,
    customer_equity,
    frequency_histogram,
    holdout_by_frequency,
    holdout_errors,
    prob_alive_matrix,
    tracking,
)
from crm_models.report.clv.data import customer_table, make_model, value_concentration
from crm_models.report.clv.messages import t
from crm_models.report.data_notes import data_used_markdown
from crm_models.report.i18n import money, unit_name
from crm_models.report.safe import markdown_translator

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.report.clv.data import ReportData

__all__ = ["MODEL_NAMES", "CLVResults", "analyse", "model_name", "key_figures_markdown", "method_markdown",
           "fit_lines", "top_line_markdown", "equity_markdown", "alive_matrix", "holdout_checks",
           "summary_record"]

#: Reader-facing names of the purchase models.
MODEL_NAMES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}


def model_name(model: object) -> str:
    """The published name of a purchase model code: ``"bgnbd"`` -> ``"BG/NBD"``; others unchanged.

    Parameters
    ----------
    model : object
        The ``model`` parameter of the report (any case).

    Returns
    -------
    str
    """
    return MODEL_NAMES.get(str(model).lower(), str(model))


@dataclass
class CLVResults:
    """The fitted models and the tables of one CLV report."""

    model: Any  # purchase model fitted on all the data
    spend: GammaGammaModel  # Gamma-Gamma spend model
    calibration_model: Any  # the purchase model fitted on the calibration period only
    errors: pd.DataFrame  # crm.clv.holdout_errors of the calibration model
    table: pd.DataFrame  # crm.report.clv.customer_table, highest value first
    concentration: pd.DataFrame  # value per tenth of customers
    equity: Any  # crm.clv.customer_equity: estimate, lower, upper, n_draws
    holdout_length: float  # length of the holdout period in time units


def analyse(data: ReportData, model: str = "bgnbd", horizon: float = 52, discount_rate: float = 0.0018,
            margin: float = 0.3, n_draws: int = 100, seed: int = 0) -> CLVResults:
    """Fit the report's models and compute its tables.

    Parameters
    ----------
    data : ReportData
        From :func:`~crm_models.report.clv.load_report_data`.
    model : str
        Purchase model: ``"bgnbd"``, ``"paretonbd"`` or ``"mbgnbd"``.
    horizon : float
        Forecast horizon in time units.
    discount_rate : float
        Discount rate per time unit.
    margin : float
        Profit margin on revenue.
    n_draws, seed : int
        Parameter draws (and their seed) of the customer-equity interval.

    Returns
    -------
    CLVResults
    """
    full, cal = data.full, data.calibration
    m = make_model(model).fit(full)
    gg = GammaGammaModel().fit(full)
    mc = make_model(model).fit(cal)
    table = customer_table(m, gg, full, horizon, discount_rate, margin)
    return CLVResults(
        model=m, spend=gg, calibration_model=mc, errors=holdout_errors(mc, cal), table=table,
        concentration=value_concentration(table["clv"]),
        equity=customer_equity(m, gg, full, horizon, discount_rate, margin, n_draws=n_draws, seed=seed),
        holdout_length=float(cal["duration_holdout"].iloc[0]))


def key_figures_markdown(data: ReportData, res: CLVResults, horizon: float, margin: float,
                         currency: str = "", lang: str = "en") -> str:
    """The section "key figures": customers, active customers, forecast, equity, concentration, accuracy.

    Returns
    -------
    str
        Markdown, starting with the section heading.
    """
    md = markdown_translator(t, lang)
    full, table, equity, concentration = data.full, res.table, res.equity, res.concentration
    unit = unit_name(data.time_unit, lang)

    def m(value: float) -> str:
        return money(value, currency)

    first, last = f"{data.first_purchase:%Y-%m-%d}", f"{data.last_purchase:%Y-%m-%d}"
    alive = float(table["prob_alive"].sum())
    total = res.errors.loc["total"]
    return (
        f"## {md('clv_key_figures')}\n\n"
        f"- {md('clv_kf_base', customers=len(full), purchases=data.n_transactions, first=first, last=last, repeat=(full['frequency'] > 0).mean())}\n"  # noqa: E501
        f"- {md('clv_kf_alive', alive=alive, share=alive / len(full))}\n"
        f"- {md('clv_kf_forecast', horizon=horizon, unit=unit, purchases=table['expected_purchases'].sum())}\n"  # noqa: E501
        f"- {md('clv_kf_equity', margin=margin, equity=m(equity['estimate']), lower=m(equity['lower']), upper=m(equity['upper']), per_customer=m(equity['estimate'] / len(full)))}\n"  # noqa: E501
        f"- {md('clv_kf_concentration', top10=concentration['share'].iloc[0], top20=concentration['cumulative_share'].iloc[1])}\n"  # noqa: E501
        f"- {md('clv_kf_accuracy', holdout=res.holdout_length, unit=unit, predicted=total['predicted'], actual=total['actual'], error=abs(total['relative_bias']))}\n\n"  # noqa: E501
        f"{md('clv_kf_meaning')}")


def method_markdown(data: ReportData, res: CLVResults, model: object, lang: str = "en") -> str:
    """The section "method": the text, the periods and model used, and the data-used note."""
    md = markdown_translator(t, lang)
    return (f"## {md('clv_method')}\n\n{md('clv_method_text')}\n\n"
            + md("clv_data_line", unit=unit_name(data.time_unit, lang),
                calibration_end=f"{data.calibration_end:%Y-%m-%d}", holdout=res.holdout_length,
                end=f"{data.observation_end:%Y-%m-%d}", model=model_name(model))
            + "\n\n" + data_used_markdown(data.data_used, lang))


def fit_lines(res: CLVResults, currency: str = "", lang: str = "en") -> tuple[str, str]:
    """The sentences under the two parameter tables: the purchase model's fit, the mean spend."""
    md = markdown_translator(t, lang)
    m, gg = res.model, res.spend
    return (md("clv_fit_line", ll=m.log_likelihood_, aic=m.aic_, bic=m.bic_, n=m.n_obs_),
            md("clv_gg_line", spend=money(gg.population_mean_spend(), currency),
              corr=gg.frequency_spend_correlation_))


def top_line_markdown(data: ReportData, top_n: int, horizon: float, margin: float, discount_rate: float,
                      lang: str = "en") -> str:
    """The section "customer value": heading, text and what the top-customer table shows."""
    md = markdown_translator(t, lang)
    unit, unit1 = unit_name(data.time_unit, lang), unit_name(data.time_unit, lang, singular=True)
    return (f"## {md('clv_value')}\n\n{md('clv_value_text', unit1=unit1)}\n\n"
            + md("clv_top_line", n=top_n, horizon=horizon, unit=unit, margin=margin, rate=discount_rate,
                unit1=unit1))


def equity_markdown(data: ReportData, res: CLVResults, horizon: float, currency: str = "",
                    lang: str = "en") -> str:
    """The section "customer equity": the estimate, its interval and the value per customer."""
    md = markdown_translator(t, lang)
    equity, n = res.equity, len(data.full)

    def m(value: float) -> str:
        return money(value, currency)

    return (f"## {md('clv_equity')}\n\n{md('clv_equity_text')}\n\n"
            + md("clv_equity_line", horizon=horizon, unit=unit_name(data.time_unit, lang),
                equity=m(equity["estimate"]), lower=m(equity["lower"]), upper=m(equity["upper"]),
                draws=int(equity["n_draws"]), per_customer=m(equity["estimate"] / n)))


def alive_matrix(res: CLVResults, full: pd.DataFrame) -> pd.DataFrame:
    """P(alive) by frequency and recency at the longest customer age, up to 30 purchases
    (or the 99th percentile of the frequency when lower)."""
    t_max = float(full["T"].max())
    return prob_alive_matrix(res.model, T=t_max, max_frequency=int(min(full["frequency"].quantile(0.99), 30)))


def summary_record(data: ReportData, res: CLVResults, model: object) -> dict[str, object]:
    """The report's key figures, JSON-plain, for scheduled runs and the engine comparison tests.

    Returns
    -------
    dict
        ``customers``, ``transactions``, ``data_used``, ``model``, ``params``,
        ``calibration_params``, ``gamma_gamma``, ``holdout_actual``, ``holdout_predicted``,
        ``customer_mae``, ``equity``, ``clv_total``, ``top_customer``, ``top_decile_share``.
    """
    errors, table, equity = res.errors, res.table, res.equity
    return {
        "customers": int(len(data.full)),
        "transactions": int(data.n_transactions),
        "data_used": data.data_used.as_dict() if data.data_used is not None else None,
        "model": model,
        "params": {k: float(v) for k, v in res.model.params_.items()},
        "calibration_params": {k: float(v) for k, v in res.calibration_model.params_.items()},
        "gamma_gamma": {k: float(v) for k, v in res.spend.params_.items()},
        "holdout_actual": float(errors.loc["total", "actual"]),
        "holdout_predicted": float(errors.loc["total", "predicted"]),
        "customer_mae": float(errors.loc["customer", "mae"]),
        "equity": {k: float(equity[k]) for k in ("estimate", "lower", "upper")},
        "clv_total": float(table["clv"].sum()),
        "top_customer": str(table.index[0]),
        "top_decile_share": float(res.concentration["share"].iloc[0]),
    }


def holdout_checks(data: ReportData, res: CLVResults, period: str = "D", time_unit: str = "W"
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The calibration model against the holdout period: tracking, frequency histogram, and
    holdout purchases by calibration frequency.

    Returns
    -------
    (DataFrame, DataFrame, DataFrame)
        :func:`~crm_models.clv.tracking`, :func:`~crm_models.clv.frequency_histogram` and
        :func:`~crm_models.clv.holdout_by_frequency` of the calibration model.
    """
    mc, cal = res.calibration_model, data.calibration
    track = tracking(mc, data.tracking_counts, cal, data.observation_end, period=period, time_unit=time_unit,
                     calibration_end=data.calibration_end)
    return track, frequency_histogram(mc, cal), holdout_by_frequency(mc, cal)
