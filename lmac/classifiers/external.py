"""Your own classifier from your own code: ``"module:factory"`` -> an :class:`AudioClassifier`.

This is how the command line and configs reach a model that a checkpoint cannot rebuild (a
:class:`~lmac.classifiers.TappedClassifier` around your network is stored by weight fingerprint
only): ``lmac explain --classifier my_models:make_classifier`` imports ``my_models`` (a module on
the Python path or in the current folder, or a ``path/to/file.py``) and calls
``make_classifier()`` with no arguments; the factory builds the model and loads its weights.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from lmac.classifiers.base import AudioClassifier
from lmac.outputs import require_output

__all__ = ["import_classifier"]


def _import(module: str):
    """Import a module by dotted name (the current folder first on the path) or from a ``.py`` file."""
    if module.endswith(".py"):
        path = Path(module)
        if not path.is_file():
            raise FileNotFoundError(f"no such file {module}")
        spec = importlib.util.spec_from_file_location(f"lmac_user_{path.stem}", path)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return loaded
    added = os.getcwd() not in sys.path
    if added:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module)
    finally:
        if added:
            sys.path.remove(os.getcwd())


def import_classifier(spec: str, output: str | None = None) -> AudioClassifier:
    """Build the classifier named by ``spec``, ``"module:factory"`` or ``"path/to/file.py:factory"``.

    ``factory()`` is called with no arguments and must return an :class:`AudioClassifier` (e.g. a
    ``TappedClassifier`` with its weights loaded). The returned classifier is frozen. ``output``, if
    given, is the output type a config needs (``classifier.output``): checked, not applied.

    Raises:
        ValueError: one line naming the spec and what went wrong (bad form, import error, no such
            factory, the factory failed or did not return an AudioClassifier, other output type).
    """
    module, sep, factory = str(spec).rpartition(":")
    if not sep or not module or not factory:
        raise ValueError(f"classifier {spec!r}: expected MODULE:FACTORY, e.g. my_models:make_classifier")
    try:
        loaded = _import(module)
    except Exception as err:  # any import-time failure of user code is reported in one line
        raise ValueError(f"classifier {spec!r}: cannot import {module!r} ({type(err).__name__}: {err})") from None
    make = getattr(loaded, factory, None)
    if not callable(make):
        raise ValueError(f"classifier {spec!r}: {module!r} has no callable {factory!r}")
    try:
        classifier = make()
    except Exception as err:  # the user's factory failed: one line, naming it
        raise ValueError(f"classifier {spec!r}: {factory}() failed ({type(err).__name__}: {err})") from None
    if not isinstance(classifier, AudioClassifier):
        raise ValueError(
            f"classifier {spec!r}: {factory}() returned {type(classifier).__name__}, not an lmac "
            "AudioClassifier (wrap your network in lmac.classifiers.TappedClassifier)"
        )
    require_output(classifier.output, output, f"classifier {spec!r}")
    return classifier.freeze()
