"""Docs are tests: every Phonon example in the README compiles and renders sound."""
import re

import numpy as np
import pytest

from conftest import ROOT, render_src

BLOCKS = re.findall(r"```\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
PHONON = [b for b in BLOCKS if re.search(r"^(out\d*|~\w+)\s*[:$]", b, re.M)]


def test_readme_has_phonon_examples():
    assert PHONON


@pytest.mark.parametrize("src", PHONON, ids=lambda s: s.splitlines()[0][:30])
def test_readme_example_renders(src):
    x = render_src(src, cycles=1)
    assert np.all(np.isfinite(x)) and np.max(np.abs(x)) > 0.01


def test_demo_patch_renders_without_clipping():
    x = render_src((ROOT / "examples" / "demo.ph").read_text(), cycles=2)
    assert 0.1 < np.max(np.abs(x)) < 1.0
