"""The estimator convention every model of the package follows.

Like scikit-learn and lifelines:

* the constructor stores its arguments, unchanged, as attributes of the same names and does
  nothing else; arguments are validated in ``fit`` (so :func:`sklearn.base.clone`,
  ``get_params`` and ``set_params`` work, and a grid of settings can be built before data);
* ``fit`` returns ``self``; what it learns ends in ``_`` (``params_``, ``covariance_``, ...);
* :func:`check_is_fitted` is the one test of "is it fitted?" and raises
  :class:`~crm_models.errors.NotFittedError`;
* ``repr(model)`` is a valid constructor call (scikit-learn's: only non-default arguments);
* a fitted model keeps no training data, so its pickle (shipped to Spark executors) and its
  saved file stay small;
* ``model.save(path)`` writes a portable, versioned JSON file (constructor arguments, fitted
  state with full float precision, units, package version); :func:`load_model` (or
  ``Class.load(path)``) reads it back, and the loaded model predicts exactly as the saved one.

Subclasses implement ``_fitted_state()`` (a dict of the fitted attributes, made of numbers,
strings, lists, dicts, numpy arrays, pandas Series/DataFrames/Timestamps) and, if restoring
needs more than setting those attributes, ``_restore_fitted_state(state)``.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crm_models.errors import CRMDataError, NotFittedError

__all__ = ["Estimator", "check_is_fitted", "load_model", "FILE_FORMAT", "FILE_FORMAT_VERSION"]

#: the ``format`` field of a saved model file, and its version (bumped on incompatible change)
FILE_FORMAT = "crm_models.model"
FILE_FORMAT_VERSION = 1

E = TypeVar("E", bound="Estimator")


def check_is_fitted(estimator: Any, attribute: str | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Fitted means: the attribute named by the class's ``_fitted_attribute`` (or ``attribute``)
    exists. The message names the class and says what to do.
    """
    name = attribute or getattr(estimator, "_fitted_attribute", "params_")
    if name not in vars(estimator):
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet: call fit() first")


class Estimator(BaseEstimator):
    """Base class of every model: parameters, fitted check, persistence (see the module doc)."""

    #: the fitted attribute whose presence means "fitted"
    _fitted_attribute: ClassVar[str] = "params_"

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has been called (``check_is_fitted`` raises otherwise)."""
        return self._fitted_attribute in vars(self)

    def _check_is_fitted(self) -> None:
        check_is_fitted(self)

    # ------------------------------------------------------------------ persistence
    def _fitted_state(self) -> dict[str, Any]:
        """The fitted attributes needed to predict (override; default: every ``*_`` attribute)."""
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}

    def _restore_fitted_state(self, state: dict[str, Any]) -> None:
        """Set the attributes of :meth:`_fitted_state` back (override if more is needed)."""
        for key, value in state.items():
            setattr(self, key, value)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model to ``path`` (JSON; written atomically) and return the path.

        The file holds the class, the constructor arguments, the fitted state (floats with
        full precision), the file-format version and the package version. Read it back with
        :func:`load_model` or ``type(model).load(path)``.
        """
        from crm_models._version import __version__

        self._check_is_fitted()
        doc = {
            "format": FILE_FORMAT,
            "format_version": FILE_FORMAT_VERSION,
            "crm_models_version": __version__,
            "class": f"{type(self).__module__}:{type(self).__qualname__}",
            "params": _encode(self.get_params(deep=False)),
            "state": _encode(self._fitted_state()),
        }
        text = json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False)
        path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls: type[E], path: str | os.PathLike) -> E:
        """Read a model written by :meth:`save`; it must be an instance of this class."""
        model = load_model(path)
        if not isinstance(model, cls):
            raise CRMDataError(f"the file holds a {type(model).__name__}, not a {cls.__name__}",
                               source=str(path))
        return model


def load_model(path: str | os.PathLike) -> Estimator:
    """Read a model written by ``model.save(path)`` (any crm_models estimator).

    Only classes of this package are instantiated (the file names one; nothing else in it
    is executed). A file from a newer file-format version is refused with a clear error.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CRMDataError("no such file", source=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CRMDataError(f"not a saved crm_models model (not JSON: {exc})", source=str(path)) from None
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
        raise CRMDataError("not a saved crm_models model (no 'format': 'crm_models.model' field)",
                           source=str(path))
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FILE_FORMAT_VERSION:
        raise CRMDataError(f"the file has format version {version!r}; this crm_models reads up to "
                           f"{FILE_FORMAT_VERSION}: upgrade crm_models (pip install -U crm_models)",
                           source=str(path))
    cls = _estimator_class(str(doc.get("class", "")), path)
    model = cls(**_decode(doc["params"]))
    model._restore_fitted_state(_decode(doc["state"]))
    return model


def _estimator_class(name: str, path: Path) -> type[Estimator]:
    module, _, qualname = name.partition(":")
    if not module.startswith("crm_models.") or not qualname:
        raise CRMDataError(f"the file names the class {name!r}, which is not a crm_models model",
                           source=str(path))
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise CRMDataError(f"the file names the class {name!r}, which this crm_models does not have",
                           source=str(path)) from None
    if not (isinstance(obj, type) and issubclass(obj, Estimator)):
        raise CRMDataError(f"the file names {name!r}, which is not a crm_models model", source=str(path))
    return obj


# ---------------------------------------------------------------------- JSON encoding
# Tagged objects keep types that JSON lacks: {"__ndarray__": ...}, {"__series__": ...},
# {"__frame__": ...}, {"__float__": "nan" | "inf" | "-inf"}, {"__timestamp__": iso},
# {"__tuple__": [...]}, {"__index__": ...}. Finite floats are written by repr, which
# round-trips exactly.

_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return {"__timestamp__": value.isoformat()}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: _encode(v) for k, v in value.items()}}
        return {"__items__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": [_encode(v) for v in value.tolist()] if value.ndim == 1
                else _encode_nested(value), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, pd.Index):
        return {"__index__": [_encode(v) for v in value.tolist()], "names": [_encode(n) for n in value.names],
                "multi": isinstance(value, pd.MultiIndex), "dtype": str(value.dtype)}
    if isinstance(value, pd.Series):
        return {"__series__": _encode(value.to_numpy()), "index": _encode(value.index),
                "name": _encode(value.name), "dtype": str(value.dtype)}
    if isinstance(value, pd.DataFrame):
        return {"__frame__": [_encode(value.iloc[:, i]) for i in range(value.shape[1])],
                "columns": _encode(value.columns), "index": _encode(value.index)}
    raise TypeError(f"cannot save a {type(value).__name__} in a model file")


def _encode_nested(array: np.ndarray) -> Any:
    return [_encode_nested(a) if a.ndim > 1 else [_encode(v) for v in a.tolist()] for a in array]


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    if "__items__" in value:
        return {_decode(k): _decode(v) for k, v in value["__items__"]}
    if "__float__" in value:
        return _SPECIAL[value["__float__"]]
    if "__timestamp__" in value:
        return pd.Timestamp(value["__timestamp__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        data = _decode(value["__ndarray__"])
        return np.array(data, dtype=dtype if dtype.kind != "O" else object).reshape(value["shape"])
    if "__index__" in value:
        data = [_decode(v) for v in value["__index__"]]
        names = [_decode(n) for n in value["names"]]
        if value["multi"]:
            return pd.MultiIndex.from_tuples(data, names=names)
        return pd.Index(data, name=names[0], dtype=value["dtype"])
    if "__series__" in value:
        return pd.Series(_decode(value["__series__"]), index=_decode(value["index"]),
                         name=_decode(value["name"]), dtype=value["dtype"])
    if "__frame__" in value:
        columns = _decode(value["columns"])
        series = [_decode(s) for s in value["__frame__"]]
        frame = pd.concat(series, axis=1) if series else pd.DataFrame(index=_decode(value["index"]))
        frame.columns = columns
        frame.index = _decode(value["index"])
        return frame
    raise CRMDataError(f"unknown object in a model file: keys {sorted(value)}")
