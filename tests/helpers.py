"""Test helpers: run the real CLI, compose configs with a run directory."""

from __future__ import annotations

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
