"""The question bank: every question's reference against a second computation, its key scoring
full marks, its named typical mistake scoring the credit its rule gives, and keyed per-student data."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from crm_models.coursework import student_seed
from crm_models.coursework.bank import BANK, Choice, bank_question, question_rng
from crm_models.errors import CRMDataError

KEY = bytes(range(32))
STUDENTS = [f"s{i:03d}" for i in range(1, 9)] + ["张三", "李四"]
SEEDS = [student_seed(s, KEY) for s in STUDENTS]


# ----------------------------------------------------------------------------- second computations
def _sat_diff(q):
    return q["perceived"] - q["expectation"]


def _sat_ratio(q):
    return q["perceived"] / q["expectation"]


# Berger et al. (1993) evaluation table written out pair by pair
_KANO = {
    (1, 1): "Q",
    (5, 5): "Q",
    (1, 5): "O",
    **{(1, d): "A" for d in (2, 3, 4)},
    **{(f, 5): "M" for f in (2, 3, 4)},
    **{(f, d): "I" for f in (2, 3, 4) for d in (2, 3, 4)},
    **{(f, 1): "R" for f in (2, 3, 4, 5)},
    **{(5, d): "R" for d in (2, 3, 4)},
}
_KANO_NAME = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}


def _kano(q):
    counts = pd.Series(
        [_KANO[p] for p in zip(q["functional"], q["dysfunctional"], strict=True)]
    ).value_counts()
    top = counts[counts == counts.max()].index
    return _KANO_NAME[next(x for x in "MOAIRQ" if x in top)]


def _loyalty(q):
    high_a = q["attitude"] >= q["attitude_threshold"]
    high_b = q["behaviour"] >= q["behaviour_threshold"]
    return {
        (False, False): "non-loyal",
        (True, False): "latent",
        (False, True): "inertia",
        (True, True): "absolute",
    }[(high_a, high_b)]


def _tier(points):
    return (
        "diamond"
        if points >= 10000
        else "platinum"
        if points >= 3000
        else "gold"
        if points >= 300
        else "ordinary"
    )


def _membership(q):
    dates = pd.to_datetime(q["dates"])
    amounts = np.asarray(q["amounts"], dtype=float)
    asked = pd.Timestamp(q["asked"])
    evaluation = pd.Timestamp(q["first_evaluation"])
    while evaluation + pd.Timedelta(days=60) <= asked:  # brute force along the schedule
        evaluation += pd.Timedelta(days=60)
    inside = (dates > evaluation - pd.Timedelta(days=365)) & (dates <= evaluation)
    return _tier(amounts[inside].sum())


def _econ_saving(q):
    return q["n"] * q["cost"] * (q["ratio"] - 1)


def _econ_retention(q):  # the series sum_t m r^t / (1 + i)^t, summed numerically
    t = np.arange(1, 5000)
    return float(np.sum(q["margin"] * q["retention"] ** t / (1 + q["discount"]) ** t))


_RULES = [
    ("champions", 4, 5, 4, 5, 4, 5),
    ("loyal", 3, 5, 4, 5, 1, 5),
    ("can't lose them", 1, 2, 4, 5, 4, 5),
    ("at risk", 1, 2, 3, 5, 1, 5),
    ("new", 5, 5, 1, 1, 1, 5),
    ("promising", 4, 4, 1, 1, 1, 5),
    ("potential loyalists", 4, 5, 2, 3, 1, 5),
    ("need attention", 3, 3, 3, 3, 1, 5),
    ("about to sleep", 3, 3, 1, 2, 1, 5),
    ("lost", 1, 1, 1, 2, 1, 2),
    ("hibernating", 1, 2, 1, 2, 1, 5),
]


def _rfm(q):
    i = q["customers"].index(q["asked"])

    def score(values, higher_is_better=True):  # ten distinct values: two customers per quintile
        rank = sorted(values).index(values[i])  # 0 = lowest
        return rank // 2 + 1 if higher_is_better else 5 - rank // 2

    r, f, m = score(q["days_since_last"], False), score(q["frequency"]), score(q["monetary"])
    return next(
        name for name, r0, r1, f0, f1, m0, m1 in _RULES if r0 <= r <= r1 and f0 <= f <= f1 and m0 <= m <= m1
    )


def _repeat(q):
    return (len(q["months"]) - 1) / (12 - q["months"][0])


def _p_alive(q):  # Fader, Hardie & Lee (2005), eq. (13)
    r, alpha, a, b, x, tx, T = (q[k] for k in ("r", "alpha", "a", "b", "x", "t_x", "T"))
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def _lifetimes(q):
    from lifetimes import BetaGeoFitter

    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series({k: q[k] for k in ("r", "alpha", "a", "b")})
    return bgf


def _expected(q):  # the lifetimes package's implementation of FHL (2005) eq. (10)
    return float(
        _lifetimes(q).conditional_expected_number_of_purchases_up_to_time(
            q["horizon"], q["x"], q["t_x"], q["T"]
        )
    )


def _km(q):  # product-limit estimator by hand: the first time S(t) <= 1/2
    months, churned = np.asarray(q["months"]), np.asarray(q["churned"])
    s = 1.0
    for t in np.unique(months):
        at_risk = (months >= t).sum()
        s *= 1 - ((months == t) & (churned == 1)).sum() / at_risk
        if s <= 0.5:
            return float(t)
    return math.inf


def _csi(q):
    total = sum(q["weights"])
    return sum(w / total * (m - 1) / 9 * 100 for m, w in zip(q["means"], q["weights"], strict=True))


def _clv(q):  # weekly increments of lifetimes' conditional expectation, discounted at the end of each week
    bgf = _lifetimes(q)
    cum = [0.0] + [
        float(bgf.conditional_expected_number_of_purchases_up_to_time(k, q["x"], q["t_x"], q["T"]))
        for k in range(1, q["horizon"] + 1)
    ]
    weeks = np.arange(1, q["horizon"] + 1)
    return float(q["spend"] * q["margin"] * np.sum(np.diff(cum) / (1 + q["discount"]) ** weeks))


SECOND = {
    "sat_diff": _sat_diff,
    "sat_ratio": _sat_ratio,
    "kano": _kano,
    "loyalty": _loyalty,
    "membership": _membership,
    "econ_saving": _econ_saving,
    "econ_retention": _econ_retention,
    "rfm_segment": _rfm,
    "repeat_rate": _repeat,
    "bgnbd_alive": _p_alive,
    "bgnbd_expected": _expected,
    "km_median": _km,
    "csi_index": _csi,
    "clv": _clv,
}


def test_every_bank_question_has_a_second_computation():
    assert set(SECOND) == set(BANK)


@pytest.mark.parametrize("qid", sorted(BANK))
def test_reference_equals_a_second_computation(qid):
    q = BANK[qid]
    for seed in SEEDS[:3]:
        inst = q.instance(seed)
        other = SECOND[qid](inst.params)
        if isinstance(q.rule, Choice):
            assert inst.reference == other, (qid, inst.params)
        else:
            assert inst.reference == pytest.approx(other, rel=1e-7, abs=1e-9), (qid, inst.params)


def test_hand_worked_examples():
    """Numbers worked on paper, independent of any generator."""
    assert BANK["sat_diff"].reference({"perceived": 8.2, "expectation": 6.5}) == pytest.approx(1.7)
    assert BANK["sat_ratio"].reference({"perceived": 8.2, "expectation": 6.5}) == pytest.approx(
        1.261538, abs=1e-6
    )
    assert BANK["econ_saving"].reference({"n": 1000, "cost": 20, "ratio": 5}) == 80000  # 1000*20*5 - 1000*20
    # 100 * 0.8 / (1 + 0.1 - 0.8) = 266.67
    assert BANK["econ_retention"].reference(
        {"margin": 100, "retention": 0.8, "discount": 0.1}
    ) == pytest.approx(266.6667, abs=1e-4)
    # 0.25 * (4.0 - 1)/9*100 + 0.75 * (7.0 - 1)/9*100 = 8.333 + 50 = 58.33
    assert BANK["csi_index"].reference({"means": [4.0, 7.0], "weights": [0.1, 0.3]}) == pytest.approx(
        58.3333, abs=1e-4
    )
    # months 3, 5, 6, 11: x = 3 repeat months over T = 12 - 3 = 9
    assert BANK["repeat_rate"].reference({"months": [3, 5, 6, 11]}) == pytest.approx(1 / 3)
    # S(2) = 4/5; the censored 3 leaves; 3 at risk at 5, one churns: S(5) = 4/5 * 2/3 = 0.533 > 0.5;
    # the last customer churns at 8: S(8) = 0, so the median is 8 (not 5, the median of the churned)
    km = {"months": [2, 3, 5, 5, 8], "churned": [1, 0, 1, 0, 1]}
    assert BANK["km_median"].reference(km) == 8.0
    assert BANK["km_median"].mistake("km_drop_censored").wrong(km) == 5.0
    assert (
        BANK["loyalty"].reference(
            {"attitude": 5.0, "behaviour": 0.2, "attitude_threshold": 5.0, "behaviour_threshold": 0.3}
        )
        == "latent"
    )  # on the threshold = high
    # 320 points earned within the year before the 2024-03-01 evaluation: gold until 2024-04-29 inclusive,
    # although on 2024-04-20 the 2023-04-10 purchase has left the window (points 20: ordinary)
    q = {
        "dates": ["2023-04-10", "2024-02-01"],
        "amounts": [300, 20],
        "first_evaluation": "2024-03-01",
        "asked": "2024-04-20",
    }
    assert BANK["membership"].reference(q) == "gold"
    assert BANK["membership"].mistake("tier_no_schedule").wrong(q) == "ordinary"


def test_bgnbd_closed_form_and_lifetimes_agree():
    q = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "x": 2, "t_x": 30.43, "T": 38.86, "horizon": 39}
    lt = _lifetimes(q)
    assert BANK["bgnbd_alive"].reference(q) == pytest.approx(_p_alive(q), rel=1e-10)
    assert _p_alive(q) == pytest.approx(
        np.squeeze(lt.conditional_probability_alive(2, 30.43, 38.86)).item(), rel=1e-10
    )
    # the CDNOW example of Fader, Hardie & Lee (2005): 1.226 expected purchases in 39 weeks
    assert BANK["bgnbd_expected"].reference(q) == pytest.approx(1.226, abs=5e-4)
    assert special.hyp2f1(1, 1, 2, 0.5) == pytest.approx(2 * math.log(2))  # sanity of scipy's 2F1 used above


@pytest.mark.parametrize("qid", sorted(BANK))
def test_key_scores_full_marks(qid):
    q = BANK[qid]
    for seed in SEEDS:
        inst = q.instance(seed)
        assert inst.score(inst.reference).points == q.points
        shown = q.rule.show(inst.reference)  # the reference as asked (rounded)
        answer = shown if isinstance(q.rule, Choice) else float(shown)
        assert inst.score(answer).outcome == "correct"
        assert inst.score(None).outcome == "missing"


@pytest.mark.parametrize("qid", sorted(BANK))
def test_named_mistakes_score_their_credit(qid):
    q = BANK[qid]
    assert q.mistakes, f"{qid} names no typical mistake"
    for mistake in q.mistakes:
        scored = 0
        for seed in SEEDS:
            inst = q.instance(seed)
            wrong = inst.wrong(mistake.key)
            outcome = inst.score(wrong)
            if outcome.outcome == "correct":  # the mistake happens to give the right answer here
                continue
            assert outcome.outcome == "partial" and outcome.mistake is mistake, (qid, inst.params, wrong)
            assert outcome.points == pytest.approx(q.points * mistake.credit)
            scored += 1
        assert scored >= len(SEEDS) - 1, f"{qid}/{mistake.key} rarely differs from the reference"


def test_unrelated_wrong_answers_score_nothing():
    inst = BANK["sat_ratio"].instance(SEEDS[0])
    assert inst.score(inst.reference + 0.01).outcome == "wrong"
    assert inst.score("no idea").outcome == "wrong"
    kano = BANK["kano"].instance(SEEDS[0])
    assert kano.score("questionable").points == 0 or kano.reference == "questionable"
    assert kano.score(kano.reference.upper()).outcome == "correct"  # case does not matter


def test_categories_accept_letters_and_chinese_names():
    kano = BANK["kano"]
    assert kano.rule.canonical("A") == "attractive" and kano.rule.canonical("魅力质量") == "attractive"
    assert BANK["loyalty"].rule.canonical("惰性忠诚") == "inertia"
    assert BANK["membership"].rule.canonical("白金卡") == "platinum"
    assert BANK["rfm_segment"].rule.canonical("Cant lose them") == "can't lose them"


@pytest.mark.parametrize("qid", sorted(BANK))
def test_each_student_gets_own_numbers(qid):
    q = BANK[qid]
    instances = [q.instance(seed) for seed in SEEDS]
    assert instances[0].params != instances[1].params
    assert q.instance(SEEDS[0]).params == instances[0].params  # reproducible with the key
    references = {str(i.reference) for i in instances}
    assert len(references) >= 2
    if not isinstance(q.rule, Choice):  # numeric answers: a different student, a different reference
        assert instances[0].reference != pytest.approx(instances[1].reference)


def test_question_streams_are_independent_of_each_other():
    a = question_rng(123, "kano").random(3)
    b = question_rng(123, "loyalty").random(3)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, question_rng(123, "kano").random(3))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_texts_state_the_numbers_and_the_rule(lang):
    for q in BANK.values():
        inst = q.instance(SEEDS[0])
        text = inst.text(lang)
        assert q.rule.describe(lang) in text
        assert "{" not in text
    alive = BANK["bgnbd_alive"].instance(SEEDS[0])
    assert f"r = {alive.params['r']}" in alive.text(lang)


def test_unknown_question_is_named():
    with pytest.raises(CRMDataError, match="no question 'nope'"):
        bank_question("nope")
