"""Gamma-Gamma model of spend per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", J. Marketing Research 42(4), 415-430 (after Colombo & Jiang 1999).

A customer's transaction values are Gamma(p, nu) around her mean p/nu, and
nu ~ Gamma(q, gamma) across customers (``v`` here, as in ``lifetimes``).  The mean m_x of
her x repeat transactions is sufficient:

    L(p, q, v | m_x, x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * v^q m_x^(px-1) x^(px)
                          / (v + m_x x)^(px+q)

    E[M | m_x, x] = (q-1)/(px+q-1) * (p v/(q-1)) + px/(px+q-1) * m_x

a weighted average of the population mean p v/(q-1) and the customer's own mean.  The model
assumes spend is independent of purchase frequency; :meth:`GammaGammaModel.fit` warns when
the two are correlated among repeat buyers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from crm_models.clv._data import Compressed, check_summary, compress
from crm_models.clv.base import MLEModel
from crm_models.errors import CRMDataError, ModelSpecificationError, describe_rows

__all__ = ["GammaGammaModel", "SpendCorrelationWarning"]


class SpendCorrelationWarning(UserWarning):
    """Frequency and spend are correlated: the Gamma-Gamma independence assumption is doubtful."""


class GammaGammaModel(MLEModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005), fitted on customers with x > 0.

    Parameters
    ----------
    penalizer:
        L2 penalty on (p, q, v) added to the mean negative log-likelihood.
    correlation_threshold:
        |Pearson correlation| between frequency and monetary value (repeat buyers) above
        which :class:`SpendCorrelationWarning` is raised at fit time.
    """

    param_names = ("p", "q", "v")
    analytic_gradient = True
    unit_keys = ("period",)  # spend per purchase period: the time unit does not matter

    def __init__(self, penalizer: float = 0.0, correlation_threshold: float = 0.3) -> None:
        super().__init__(penalizer)
        self.correlation_threshold = correlation_threshold

    def _check_settings(self) -> None:
        super()._check_settings()
        c = self.correlation_threshold
        if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)) or np.isnan(c):
            raise ModelSpecificationError(f"correlation_threshold must be a number, got {c!r}")

    @staticmethod
    def _repeat_buyers(summary: pd.DataFrame, what: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        cols = check_summary(summary, what, columns=("frequency", "monetary_value"))
        rep = cols["frequency"] > 0
        bad = rep & (cols["monetary_value"] <= 0)
        if bad.any():
            raise CRMDataError(
                "monetary_value must be > 0 for customers with repeat purchases; not for customers "
                f"{describe_rows(summary.index[bad], cols['monetary_value'][bad])}",
                source=what, column="monetary_value")
        return cols, rep

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit on the customers with frequency > 0 (columns frequency, monetary_value)."""
        self._check_settings()
        cols, rep = self._repeat_buyers(summary, "summary")
        if rep.sum() < 3:
            raise CRMDataError(f"only {int(rep.sum())} customers made repeat purchases; the spend model "
                               "needs at least a few", source="summary", column="frequency")
        x, m = cols["frequency"][rep], cols["monetary_value"][rep]
        if np.ptp(x) > 0 and np.ptp(m) > 0:
            corr = float(np.corrcoef(x, m)[0, 1])
            self.frequency_spend_correlation_ = corr
            if abs(corr) >= self.correlation_threshold:
                warnings.warn(
                    "frequency and monetary_value are correlated among repeat buyers "
                    f"(Pearson r = {corr:.2f}); "
                    "the Gamma-Gamma model assumes they are independent, so spend predictions may be biased",
                    SpendCorrelationWarning, stacklevel=2)
        else:
            self.frequency_spend_correlation_ = np.nan
        self._fit_compressed(compress({"frequency": x, "monetary_value": m}))
        self._remember_units(summary)
        return self

    def _initial_params(self, d: Compressed) -> np.ndarray:
        mean = np.average(d.columns["monetary_value"], weights=d.weights)
        return np.array([1.0, 2.0, mean])

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        p, q, v = params
        x, m = d.columns["frequency"], d.columns["monetary_value"]
        px = p * x
        return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
                + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + m * x))

    def _loglik_grad(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        p, q, v = params
        x, m = d.columns["frequency"], d.columns["monetary_value"]
        px = p * x
        dg = special.digamma
        return np.column_stack([
            x * (dg(px + q) - dg(px) + np.log(m) + np.log(x) - np.log(v + m * x)),
            dg(px + q) - dg(q) + np.log(v) - np.log(v + m * x),
            q / v - (px + q) / (v + m * x),
        ])

    def population_mean_spend(self) -> float:
        """E[spend per transaction] of a random customer: p v / (q - 1) (needs q > 1)."""
        p, q, v = self._fitted_params()
        if q <= 1:
            raise ModelSpecificationError(
                f"q = {q:.3g} <= 1: the population mean spend is infinite under the fitted Gamma-Gamma model")
        return float(p * v / (q - 1))

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """E[mean spend per transaction | x, m_x] = (v + m_x x) p / (p x + q - 1) per customer.

        Customers without repeat purchases get the population mean p v / (q - 1).
        """
        p, q, v = self._fitted_params()
        self._check_units(summary)
        cols, rep = self._repeat_buyers(summary, "summary")
        x, m = cols["frequency"], cols["monetary_value"]
        if q <= 1 and not rep.all():
            self.population_mean_spend()  # raises with the explanation
        # x = 0 gives p v / (q - 1) by itself (m_x is checked finite, so m_x * 0 = 0); one pass
        # of in-place arithmetic instead of temporaries: this is a million-row hot path
        out = m * x
        out += v
        out *= p
        den = x * p
        den += q
        den -= 1
        out /= den
        return pd.Series(out, index=summary.index, name="expected_spend")

