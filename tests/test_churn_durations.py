"""Building survival data: contractual subscriptions and non-contractual transactions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_models.churn import durations_from_subscriptions, durations_from_transactions
from crm_models.errors import CRMDataError

OBS = "2024-12-31"


def subs() -> pd.DataFrame:
    return pd.DataFrame({
        "cid": ["a", "b", "b", "c", "d"],
        "signup": ["2024-01-01", "2023-06-01", "2024-03-01", "2024-12-01", "2024-02-01"],
        "cancel": ["2024-01-31", "2023-12-31", None, None, "2025-02-01"],
        "plan": ["basic", "pro", "pro", "basic", "pro"],
        "fee": [10.0, 30.0, 30.0, 10.0, 30.0],
    })


class TestSubscriptions:
    def test_durations_events_and_censoring(self):
        raw = subs()
        before = raw.copy()
        d = durations_from_subscriptions(raw, "cid", "signup", "cancel", OBS)
        pd.testing.assert_frame_equal(raw, before)  # caller's frame untouched
        assert d["duration"].tolist() == [30.0, 213.0, 305.0, 30.0, 334.0]
        # d's cancellation (2025-02-01) is after the observation end: not observed yet -> censored
        assert d["event"].tolist() == [1, 1, 0, 0, 0]
        assert d["spell"].tolist() == [1, 1, 2, 1, 1]  # b reactivated: a second spell
        assert d["plan"].tolist() == raw["plan"].tolist() and d["fee"].tolist() == raw["fee"].tolist()
        meta = d.attrs["crm_churn"]
        assert meta["observation_end"].startswith("2024-12-31")
        assert set(meta["non_covariates"]) == {"cid", "spell", "signup", "cancel"}

    def test_time_unit_months_and_feature_selection(self):
        d = durations_from_subscriptions(subs(), "cid", "signup", "cancel", OBS, time_unit="M",
                                         features=["plan"])
        np.testing.assert_allclose(d["duration"], np.array([30, 213, 305, 30, 334]) / (365.25 / 12))
        assert "fee" not in d.columns and "plan" in d.columns

    def test_spell_numbers_follow_start_order(self):
        raw = subs().iloc[[2, 1, 0, 3, 4]]  # b's later spell first in the table
        d = durations_from_subscriptions(raw, "cid", "signup", "cancel", OBS)
        assert d.loc[d["cid"] == "b", "spell"].tolist() == [2, 1]

    def test_end_before_start_is_an_error(self):
        raw = subs()
        raw.loc[0, "cancel"] = "2023-12-01"
        with pytest.raises(CRMDataError, match="end before start.*'a'") as err:
            durations_from_subscriptions(raw, "cid", "signup", "cancel", OBS)
        assert err.value.column == "cancel"

    def test_overlapping_spells_are_an_error(self):
        raw = subs()
        raw.loc[2, "signup"] = "2023-11-01"  # b's second spell starts before the first ended
        with pytest.raises(CRMDataError, match="overlapping.*b"):
            durations_from_subscriptions(raw, "cid", "signup", "cancel", OBS)

    @pytest.mark.parametrize("col,value,message", [
        ("signup", "2025-01-05", "start after the observation end"),
        ("cancel", "not a date", "unparseable dates"),
        ("signup", None, "missing dates"),
        ("cid", None, "missing customer ids"),
    ])
    def test_bad_rows(self, col, value, message):
        raw = subs()
        raw.loc[3, col] = value
        with pytest.raises(CRMDataError, match=message) as err:
            durations_from_subscriptions(raw, "cid", "signup", "cancel", OBS)
        assert err.value.column == col

    def test_missing_column_and_bad_unit(self):
        with pytest.raises(CRMDataError, match="column not found"):
            durations_from_subscriptions(subs(), "cid", "start", "cancel", OBS)
        with pytest.raises(CRMDataError, match="unknown time_unit"):
            durations_from_subscriptions(subs(), "cid", "signup", "cancel", OBS, time_unit="Q")


def tx_frame() -> pd.DataFrame:
    rows = [
        # x: last purchase exactly 30 days before the observation end -> censored
        ("x", "2024-11-10", 10.0), ("x", "2024-11-10", 5.0), ("x", "2024-12-01", 20.0),
        # y: last purchase 31 days before -> churned at last + 30 days
        ("y", "2024-11-01", 8.0), ("y", "2024-11-30", 12.0),
        # z: a gap of 61 days (> 30) then a comeback: first spell churned, second censored
        ("z", "2024-06-01", 7.0), ("z", "2024-06-21", 3.0),
        ("z", "2024-08-21", 4.0), ("z", "2024-12-30", 1.0),
        # w: one purchase long ago
        ("w", "2024-01-15", 50.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(
        date=lambda d: pd.to_datetime(d["date"]), channel=lambda d: np.where(d.index % 2, "web", "shop"))


class TestTransactions:
    def test_window_boundary_exactly(self):
        d = durations_from_transactions(tx_frame(), OBS, inactivity_window=30).set_index("customer_id")
        obs = pd.Timestamp(OBS)
        # x: 2024-12-31 - 2024-12-01 = 30 days = the window: within it, so censored at the observation end
        assert d.loc["x", "event"] == 0
        assert d.loc["x", "duration"] == (obs - pd.Timestamp("2024-11-10")).days == 51
        assert pd.isna(d.loc["x", "churn_date"])
        # y: 31 days > 30 -> churned; churn becomes known at last purchase + window
        assert d.loc["y", "event"] == 1
        assert d.loc["y", "churn_date"] == pd.Timestamp("2024-12-30")
        assert d.loc["y", "duration"] == (pd.Timestamp("2024-12-30") - pd.Timestamp("2024-11-01")).days
        # z's first spell ends at the 61-day gap: churned at 2024-06-21 + 30
        assert d.loc["z", "event"] == 1 and d.loc["z", "duration"] == 20 + 30
        assert d.loc["w", "event"] == 1 and d.loc["w", "duration"] == 30
        # same-day orders are one purchase day; first_amount sums that day
        assert d.loc["x", "n_purchase_days"] == 2 and d.loc["x", "first_amount"] == 15.0
        assert (d["inactivity_window"] == 30).all()
        assert d.attrs["crm_churn"]["inactivity_window_days"] == 30
        assert d.attrs["crm_churn"]["window_rule"] == "given"

    def test_one_day_shorter_window_flips_the_boundary_customer(self):
        d = durations_from_transactions(tx_frame(), OBS, inactivity_window="29D").set_index("customer_id")
        assert d.loc["x", "event"] == 1
        assert d.loc["x", "churn_date"] == pd.Timestamp("2024-12-30")

    def test_all_spells_reactivation(self):
        d = durations_from_transactions(tx_frame(), OBS, inactivity_window=30, spells="all")
        z = d[d["customer_id"] == "z"].set_index("spell")
        assert z.index.tolist() == [1, 2, 3]
        assert z["event"].tolist() == [1, 1, 0]
        assert z.loc[2, "duration"] == 30  # single purchase day 2024-08-21, churn known 30 days later
        assert z.loc[3, "duration"] == 1  # 2024-12-30 to the observation end, censored

    def test_churn_dated_at_last_purchase_censors_at_last_purchase(self):
        d = durations_from_transactions(tx_frame(), OBS, inactivity_window=30,
                                        churn_date="last_purchase").set_index("customer_id")
        assert d.loc["y", "event"] == 1 and d.loc["y", "duration"] == 29
        assert d.loc["x", "event"] == 0 and d.loc["x", "duration"] == 21  # censored at its last purchase
        assert d.loc["w", "duration"] == 0

    def test_default_window_is_the_stated_quantile_of_gaps(self):
        tx = tx_frame()
        d = durations_from_transactions(tx, OBS, quantile=0.5)
        # gaps between purchase days: x 21; y 29; z 20, 61, 131
        gaps = np.array([21, 29, 20, 61, 131])
        assert d.attrs["crm_churn"]["inactivity_window_days"] == np.quantile(gaps, 0.5, method="higher") == 29
        assert "0.5 quantile of 5 inter-purchase gaps" in d.attrs["crm_churn"]["window_rule"]

    def test_features_come_from_the_first_purchase(self):
        d = durations_from_transactions(tx_frame(), OBS, inactivity_window=30, features=["channel"],
                                        time_unit="W").set_index("customer_id")
        assert d.loc["x", "channel"] == "shop" and d.loc["y", "channel"] == "web"
        assert d.loc["y", "duration"] == pytest.approx(59 / 7)

    @pytest.mark.parametrize("kwargs,message", [
        ({"inactivity_window": 0}, "positive number of days"),
        ({"inactivity_window": "soon"}, "not a duration"),
        ({"quantile": 1.5}, "quantile must be in"),
        ({"spells": "some"}, "spells must be"),
    ])
    def test_bad_arguments(self, kwargs, message):
        with pytest.raises(CRMDataError, match=message):
            durations_from_transactions(tx_frame(), OBS, **kwargs)

    def test_purchase_after_observation_end_and_no_repeat_buyers(self):
        with pytest.raises(CRMDataError, match="after the observation end"):
            durations_from_transactions(tx_frame(), "2024-12-15", inactivity_window=30)
        single = tx_frame().drop_duplicates("customer_id")
        with pytest.raises(CRMDataError, match="no customer bought twice"):
            durations_from_transactions(single, OBS)


def test_cdnow_stated_window_and_boundary(cdnow_transactions):
    """CDNOW sample to 1998-06-30 (daily purchases), durations in weeks."""
    tx = cdnow_transactions
    obs = pd.Timestamp("1998-06-30")
    d = durations_from_transactions(tx, obs, time_unit="W").set_index("customer_id")

    # the default window: the 90th percentile ('higher') of gaps between purchase days, recomputed here
    days = tx.assign(day=tx["date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    gaps = days.groupby("customer_id")["day"].diff().dropna().dt.days.to_numpy()
    w = np.quantile(gaps, 0.9, method="higher")
    meta = d.attrs["crm_churn"]
    assert meta["inactivity_window_days"] == w == 196
    assert meta["window_quantile"] == 0.9 and f"{len(gaps):,} inter-purchase gaps" in meta["window_rule"]
    assert (d["inactivity_window"] == w / 7).all()
    assert len(d) == 2357

    # independent first-spell computation
    first = days.groupby("customer_id")["day"].min()
    g = days.assign(gap=days.groupby("customer_id")["day"].diff().dt.days)
    g["spell"] = (g["gap"].isna() | (g["gap"] > w)).groupby(g["customer_id"]).cumsum()
    s1 = g[g["spell"] == 1].groupby("customer_id")["day"].max()
    reactivated = g.groupby("customer_id")["spell"].max() > 1
    churned = reactivated | ((obs - s1).dt.days > w)
    end = (s1 + pd.Timedelta(days=w)).where(churned, obs)
    expected = (end - first).dt.days / 7
    pd.testing.assert_series_equal(d["event"].astype(bool), churned.rename("event"), check_names=False)
    np.testing.assert_allclose(d["duration"].to_numpy(), expected.loc[d.index].to_numpy())

    # the boundary in real data: set the window to a one-time buyer's exact time since purchase
    last = days.groupby("customer_id")["day"].max()
    n_days = days.groupby("customer_id").size()
    since = (obs - last).dt.days
    cust = since[(n_days == 1) & (since > 30)].index[0]
    w2 = int(since[cust])
    d2 = durations_from_transactions(tx, obs, inactivity_window=w2).set_index("customer_id")
    d3 = durations_from_transactions(tx, obs, inactivity_window=w2 - 1).set_index("customer_id")
    assert d2.loc[cust, "event"] == 0 and d2.loc[cust, "duration"] == w2  # censored at the boundary
    assert d3.loc[cust, "event"] == 1 and d3.loc[cust, "churn_date"] == obs - pd.Timedelta(days=1)
    # censored = last purchase within the window before the end and no gap longer than the window
    long_gap = g.assign(big=g["gap"] > w2).groupby("customer_id")["big"].any()
    expected_censored = set(since[(since <= w2) & ~long_gap].index)
    assert set(d2.index[d2["event"] == 0]) == expected_censored


def test_report_loader_keeps_the_id_column_when_transactions_name_it_differently(tmp_path):
    """load_transactions renames the id column to customer_id; the loader must say so (the at-risk
    list and pseudonyms use it)."""
    import crm_models as crm
    from crm_models.data import datasets

    path = tmp_path / "orders.csv"
    datasets.sample_transactions().rename(columns={"customer_id": "user"}).to_csv(path, index=False)
    d, info = crm.report.churn.load_churn_data(str(path), "non-contractual", customer_id="user")
    assert info["id_col"] == "customer_id" and d["customer_id"].nunique() == 3000
