"""Live session: hot reload keeps time, a broken edit keeps the old patch playing."""
import os
import time

import numpy as np

from phonon.live import LiveSession


def test_reload_keeps_position_and_survives_errors(tmp_path):
    p = tmp_path / "live.ph"
    p.write_text("out: sine 440 * 0.5\n")
    s = LiveSession(str(p))
    a = s.next_block(1000)
    assert a.shape == (1000, 2) and a.dtype == np.float32
    p.write_text("out: sine 880 * 0.5\n")
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert s.reload()
    b = s.next_block(1000)
    t = np.arange(1000, 2000) / 44100
    np.testing.assert_allclose(b[:, 0], 0.5 * np.sin(2 * np.pi * 880 * t), atol=1e-5)
    p.write_text("out: sine 880 # revrb\n")
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    assert not s.reload()
    assert "did you mean 'reverb'" in s.errors[-1]
    assert s.next_block(10).shape == (10, 2)
