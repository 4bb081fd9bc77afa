"""The building blocks of the question bank: a question, its generated instance, its rules.

A :class:`BankQuestion` draws its own numbers from a generator seeded by the student's seed
and the question id (``SeedSequence([seed, crc32(id)])``, so adding a question to the bank
never changes another one's numbers), computes the reference answer with crm_models itself,
states its precision (:class:`~crm_models.coursework.questions.Rule`) or the categories it
accepts (:class:`Choice`), and names the typical mistakes that earn partial credit
(:class:`BankMistake`, computed from the same numbers by the mistaken method).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from crm_models.coursework.questions import Rule, Score
from crm_models.errors import CRMDataError
from crm_models.report.i18n import translate

__all__ = ["BankQuestion", "BankMistake", "Choice", "Instance", "question_rng"]

Value = float | str


def question_rng(seed: int, question_id: str) -> np.random.Generator:
    """The question's own generator: ``SeedSequence([seed, crc32(question id)])``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(question_id.encode())]))


def _norm(text: object) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").replace("’", "'").split())


@dataclass(frozen=True)
class Choice:
    """A categorical answer: one of ``options`` (case, spaces and ``_`` ignored; ``aliases``
    map other accepted spellings, e.g. Kano letters or Chinese names, to an option)."""

    options: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def canonical(self, answer: object) -> str | None:
        text = _norm(answer)
        for option in self.options:
            if text == _norm(option):
                return option
        for alias, option in self.aliases.items():
            if text == _norm(alias):
                return option
        return None

    def matches(self, answer: object, target: Value) -> bool:
        return self.canonical(answer) == target

    def describe(self, lang: str = "en") -> str:
        return translate("cw_rule_choice", lang, options=", ".join(self.options))

    def show(self, value: Value) -> str:
        return str(value)


@dataclass(frozen=True)
class BankMistake:
    """A typical mistake: ``wrong(params)`` is the answer it produces, worth ``credit`` x points.

    ``decimals`` is the precision the wrong value is compared at (``None`` for a category);
    ``key`` names the description ``cw_mistake_<key>`` shown in the feedback.
    """

    key: str
    credit: float
    wrong: Callable[[dict], Value]
    decimals: int | None = None

    def describe(self, lang: str = "en") -> str:
        return translate(f"cw_mistake_{self.key}", lang)

    def matches(self, answer: object, params: dict, rule: Rule | Choice) -> bool:
        target = self.wrong(params)
        if isinstance(rule, Choice):
            return rule.matches(answer, target)
        try:
            value = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return Rule(rule.decimals if self.decimals is None else self.decimals).matches(value, float(target))


@dataclass(frozen=True)
class Instance:
    """One student's version of a question: its numbers and reference answer."""

    question: BankQuestion
    params: dict
    reference: Value

    def text(self, lang: str = "en") -> str:
        return self.question.text(self.params, lang)

    def score(self, answer: object) -> Score:
        return self.question.score(answer, self.params, self.reference)

    def wrong(self, mistake: str) -> Value:
        """The answer the named mistake produces (tests, the teacher's examples)."""
        return self.question.mistake(mistake).wrong(self.params)


@dataclass(frozen=True)
class BankQuestion:
    """A bank question.

    ``generate(rng)`` draws the numbers (a dict; ``show(params)`` formats them for the text,
    catalogue key ``cwb_<id>`` with ``{placeholders}``), ``reference(params)`` computes the
    answer with crm_models, ``rule`` is the stated precision or the accepted categories,
    ``difficulty`` 1 (one step) to 3 (a model or a schedule to apply).
    """

    id: str
    topic: str
    difficulty: int
    points: float
    rule: Rule | Choice
    generate: Callable[[np.random.Generator], dict]
    reference: Callable[[dict], Value]
    mistakes: tuple[BankMistake, ...] = ()
    show: Callable[[dict], dict] = dict

    def __post_init__(self) -> None:
        if self.difficulty not in (1, 2, 3):
            raise CRMDataError(f"question {self.id}: difficulty must be 1, 2 or 3, not {self.difficulty!r}")

    def instance(self, seed: int) -> Instance:
        params = self.generate(question_rng(seed, self.id))
        return Instance(self, params, self.reference(params))

    def mistake(self, key: str) -> BankMistake:
        for m in self.mistakes:
            if m.key == key:
                return m
        raise CRMDataError(f"question {self.id} names no mistake {key!r}: {[m.key for m in self.mistakes]}")

    def text(self, params: dict, lang: str = "en") -> str:
        body = translate(f"cwb_{self.id}", lang, **self.show(params))
        return f"{body} ({self.rule.describe(lang)})"

    def score(self, answer: object, params: dict, reference: Value, points: float | None = None) -> Score:
        """Full points when ``answer`` matches the reference under the rule, partial credit for
        a named mistake (checked only when the answer is not right), else 0."""
        full = self.points if points is None else points
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            return Score(0.0, "missing")
        if isinstance(self.rule, Choice):
            right = self.rule.matches(answer, reference)
        else:
            try:
                right = self.rule.matches(float(answer), float(reference))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return Score(0.0, "wrong")
        if right:
            return Score(full, "correct")
        for m in self.mistakes:
            if m.matches(answer, params, self.rule):
                return Score(full * m.credit, "partial", m)  # type: ignore[arg-type]
        return Score(0.0, "wrong")


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A small markdown table for a question text."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n\n" + "\n".join(lines) + "\n\n"
