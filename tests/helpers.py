"""Test helpers: run the real CLI, compose configs with a run directory, import a recipe script."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``python -m lmac ARGS`` the way a user runs ``lmac ARGS``."""
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONUNBUFFERED": "1", "HYDRA_FULL_ERROR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lmac", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env
    )


def compose(overrides: list[str], run_dir: Path):
    """Compose ``conf/train.yaml`` as ``lmac train`` would, with ``run_dir`` as the output dir."""
    from lmac.tasks.config import compose_train

    return compose_train(overrides, run_dir)


def load_recipe(folder: str, name: str):
    """Import ``recipes/<folder>/<name>.py`` (not a package) as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, REPO / "recipes" / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
