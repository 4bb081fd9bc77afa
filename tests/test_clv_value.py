"""Customer lifetime value and customer equity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.clv import donations, fitted

import crm_models as crm

lifetimes = pytest.importorskip("lifetimes")

WEEKS_PER_MONTH = 4.345  # lifetimes' step for weekly data


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inside lifetimes at t = 0
@pytest.mark.parametrize("kind", ["bgnbd", "paretonbd"])
def test_clv_matches_lifetimes_once_the_time_unit_is_aligned(cdnow_summary, kind):
    """lifetimes steps in months (4.345 weeks) with a monthly rate; express the summary in months."""
    s = cdnow_summary
    model, gg = fitted(kind, s), fitted("gg", s)
    if kind == "bgnbd":
        lf_model = lifetimes.BetaGeoFitter()
        monthly = crm.clv.BetaGeoModel.from_params(
            **{**model.params_, "alpha": model.params_["alpha"] / WEEKS_PER_MONTH})
    else:
        lf_model = lifetimes.ParetoNBDFitter()
        p = model.params_
        monthly = crm.clv.ParetoNBDModel.from_params(r=p["r"], alpha=p["alpha"] / WEEKS_PER_MONTH, s=p["s"],
                                                     beta=p["beta"] / WEEKS_PER_MONTH)
    lf_model.params_ = model.params_.copy()
    lf_model.predict = lf_model.conditional_expected_number_of_purchases_up_to_time
    lf_gg = lifetimes.GammaGammaFitter()
    lf_gg.params_ = gg.params_.copy()
    theirs = lf_gg.customer_lifetime_value(lf_model, s["frequency"], s["recency"], s["T"],
                                           s["monetary_value"],
                                           time=12, discount_rate=0.01, freq="W")
    s_months = s.assign(recency=s["recency"] / WEEKS_PER_MONTH, T=s["T"] / WEEKS_PER_MONTH)
    ours = crm.clv.customer_lifetime_value(monthly, gg, s_months, horizon=12, discount_rate=0.01)
    assert ours.index.equals(s.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-8, atol=1e-10)


def test_clv_is_margin_times_spend_times_discounted_purchases(cdnow_summary):
    s = cdnow_summary
    bg, gg = fitted("bgnbd", s), fitted("gg", s)
    d = 0.002
    clv = crm.clv.customer_lifetime_value(bg, gg, s, horizon=26, discount_rate=d, margin=0.3)
    E = bg.expected_purchases_path(s, np.arange(0, 27)).to_numpy()
    discounted = (np.diff(E, axis=1) / (1 + d) ** np.arange(1, 27)).sum(axis=1)
    direct = 0.3 * gg.expected_spend(s).to_numpy() * discounted
    np.testing.assert_allclose(clv.to_numpy(), direct, rtol=1e-12)
    in_tx = crm.clv.customer_lifetime_value(bg, None, s, horizon=26, discount_rate=d)
    flat = crm.clv.customer_lifetime_value(bg, 20.0, s, horizon=26, discount_rate=d)
    np.testing.assert_allclose(flat.to_numpy(), 20.0 * in_tx.to_numpy(), rtol=1e-12)
    # a fractional last period counts the purchases up to the horizon
    half = crm.clv.customer_lifetime_value(bg, None, s, horizon=25.5, discount_rate=d)
    assert (half < in_tx).all() and (half > crm.clv.customer_lifetime_value(bg, None, s, 25, d)).all()


@pytest.mark.slow  # over 3 s
def test_infinite_horizon_uses_dert(cdnow_summary):
    s = cdnow_summary.iloc[:200]
    bg, gg = fitted("bgnbd", cdnow_summary), fitted("gg", cdnow_summary)
    d = 0.01
    inf = crm.clv.customer_lifetime_value(bg, gg, s, horizon=np.inf, discount_rate=d)
    np.testing.assert_allclose(inf.to_numpy(), (gg.expected_spend(s) * bg.dert(s, d)).to_numpy(), rtol=1e-12)
    long = crm.clv.customer_lifetime_value(bg, gg, s, horizon=1500, discount_rate=d)
    # end-of-period discounting vs continuous: they differ by about half a period's discount
    ratio = long / inf
    assert np.all(np.abs(ratio - 1) < d)


def test_bgbb_infinite_horizon_is_the_limit(shared_data):
    don = donations(str(shared_data))
    bb = crm.clv.BetaGeoBetaBinomModel().fit(don)
    a = crm.clv.customer_lifetime_value(bb, 25.0, don, horizon=500, discount_rate=0.1)
    b = crm.clv.customer_lifetime_value(bb, 25.0, don, horizon=np.inf, discount_rate=0.1)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-10)


@pytest.mark.slow  # over 3 s
def test_customer_equity_interval(cdnow_summary):
    s = cdnow_summary
    bg, gg = fitted("bgnbd", s), fitted("gg", s)
    eq = crm.clv.customer_equity(bg, gg, s, horizon=52, discount_rate=0.0019, margin=0.3, n_draws=80, seed=1)
    total = crm.clv.customer_lifetime_value(bg, gg, s, 52, 0.0019, margin=0.3).sum()
    assert eq["estimate"] == pytest.approx(total)
    assert eq["lower"] < eq["estimate"] < eq["upper"]
    again = crm.clv.customer_equity(bg, gg, s, horizon=52, discount_rate=0.0019, margin=0.3, n_draws=80,
                                    seed=1)
    pd.testing.assert_series_equal(eq, again)

    # the bootstrap half-width agrees with the delta method: sqrt(g' Cov g) on the log scale
    def total_at(theta_bg, theta_gg):
        m = bg._with_params(np.exp(theta_bg))
        g = gg._with_params(np.exp(theta_gg))
        return crm.clv.customer_lifetime_value(m, g, s, 52, 0.0019, margin=0.3).sum()

    th_bg, th_gg = np.log(bg.params_.to_numpy()), np.log(gg.params_.to_numpy())
    h = 1e-5
    g_bg = np.array([(total_at(th_bg + h * e, th_gg) - total_at(th_bg - h * e, th_gg)) / (2 * h)
                     for e in np.eye(4)])
    g_gg = np.array([(total_at(th_bg, th_gg + h * e) - total_at(th_bg, th_gg - h * e)) / (2 * h)
                     for e in np.eye(3)])
    se = np.sqrt(g_bg @ bg._cov_theta @ g_bg + g_gg @ gg._cov_theta @ g_gg)
    assert (eq["upper"] - eq["lower"]) / 2 == pytest.approx(1.96 * se, rel=0.3)


def test_bad_arguments(cdnow_summary):
    bg = fitted("bgnbd", cdnow_summary)
    with pytest.raises(crm.ModelSpecificationError, match="horizon"):
        crm.clv.customer_lifetime_value(bg, None, cdnow_summary, horizon=0, discount_rate=0.01)
    with pytest.raises(crm.ModelSpecificationError, match="discount_rate"):
        crm.clv.customer_lifetime_value(bg, None, cdnow_summary, horizon=10, discount_rate=-0.1)
    with pytest.raises(crm.ModelSpecificationError, match="infinite horizon"):
        crm.clv.customer_lifetime_value(bg, None, cdnow_summary, horizon=np.inf, discount_rate=0.0)
    with pytest.raises(crm.CRMDataError, match="monetary_value"):
        crm.clv.customer_lifetime_value(bg, fitted("gg", cdnow_summary),
                                        cdnow_summary.drop(columns="monetary_value"),
                                        horizon=10, discount_rate=0.01)
