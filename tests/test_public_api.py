"""The public API names every shipped piece and stays lazy (PEP 562): SpeechBrain loads only when used."""

import subprocess
import sys

from helpers import REPO

import lmac


def test_every_public_name_resolves():
    assert {"SpectralGainMaskHead", "SpectrogramMaskHead", "SepFormerMaskHead", "STFTConfig"} <= set(lmac.__all__)
    for name in lmac.__all__:
        assert getattr(lmac, name) is not None, name


def test_imports_stay_lazy():
    code = (
        "import sys, lmac; assert 'torch' not in sys.modules; "
        "import lmac.heads, lmac.explainers; assert 'speechbrain' not in sys.modules, 'eager SpeechBrain'; "
        "lmac.heads.SepFormerMaskHead; assert 'speechbrain' in sys.modules"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
