"""Start-up: what a short `phonon render` imports (DESIGN.md "Performance"). Correctness-style
checks, not timings: a heavy import that creeps back into the render path fails here loudly;
the wall time itself is benchmarked in bench/bench_startup.py."""
import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import json, sys
    from phonon.cli import main
    try:
        main(["render", "--duration", "0.05", "--sr", "22050", "--no-progress", sys.argv[1], sys.argv[2]])
    except SystemExit as e:
        assert not e.code, e.code
    import numba.np.linalg as la
    print(json.dumps(sorted(m for m in sys.modules if "." not in m)))
""")

def _plain_env() -> dict:
    """The environment of a user's run: no test folders on PYTHONPATH (the farm tests put
    tests/site there, whose sitecustomize imports the test node kinds)."""
    import os
    from pathlib import Path
    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))


# imported by nothing a render of synthesized sound needs (scipy: 0.15-0.2 s, dask: seconds)
HEAVY = ("scipy", "dask", "distributed", "matplotlib", "pandas", "sklearn")


def _modules(tmp_path, patch_text: str) -> set:
    patch = tmp_path / "tiny.ph"
    patch.write_text(patch_text)
    out = subprocess.run([sys.executable, "-c", PROBE, str(patch), str(tmp_path / "o.wav")],
                         capture_output=True, text=True, timeout=120, env=_plain_env())
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_render_imports_no_scipy(tmp_path):
    mods = _modules(tmp_path, "out: saw 110 # lpf 800 0.8 # delay 0.25 0.6 # reverb 0.5 0.5 0.3\n")
    assert "numba" in mods  # the kernels did run
    heavy = sorted(m for m in HEAVY if m in mods)
    assert not heavy, f"a short render imported {heavy}: keep them out of the render path"


def test_event_render_imports_no_scipy(tmp_path):
    mods = _modules(tmp_path, 'out: s "bd*4 sn" # speed 1.5\n')
    assert "scipy" not in mods


def test_numba_linear_algebra_is_off_but_kernels_work():
    """Hiding scipy from numba turns off numba's np.dot/np.linalg in kernels (no Phonon kernel
    uses them); everything else compiles and runs."""
    code = textwrap.dedent("""
        import sys, phonon, numba, numpy as np
        @numba.njit
        def f(x):
            return x.sum() * 2.0
        assert f(np.ones(4)) == 8.0
        import numba.np.arraymath as am
        print(am._HAVE_BLAS, "scipy" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=_plain_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


PARSE = "from phonon.dsl.parser import parse; print(len(parse('out: saw 110 # lpf 800 0.8').statements))"


def _parse_in(cache):
    import os
    e = dict(_plain_env(), XDG_CACHE_HOME=str(cache))
    return subprocess.run([sys.executable, "-c", PARSE], capture_output=True, text=True,
                          timeout=60, env=e)


def test_parser_tables_are_cached_and_a_bad_cache_is_harmless(tmp_path):
    """The LR tables are built once (about 45 ms) and loaded from the cache afterwards; a
    damaged cache file or a cache folder that cannot be made still parses."""
    r = _parse_in(tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    tables = list((tmp_path / "phonon").glob("parsetab-*.pickle"))
    assert len(tables) == 1 and tables[0].stat().st_size > 1000
    assert not list((tmp_path / "phonon").glob(".*tmp"))  # written under a temporary name
    assert _parse_in(tmp_path).stdout.strip() == "1"  # loaded from the cache
    tables[0].write_bytes(b"\x80\x04garbage")
    assert _parse_in(tmp_path).stdout.strip() == "1"
    blocked = tmp_path / "a-file"  # the cache folder cannot be made (even as root)
    blocked.write_text("")
    r = _parse_in(blocked)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr


FAST = textwrap.dedent("""
    import json, sys
    from phonon.cli import main
    main(["render", "--duration", "0.05", "--sr", "22050", "--no-progress", sys.argv[1], sys.argv[2]])
    print(json.dumps(sorted(sys.modules)))
""")


def _render_modules(tmp_path, name, extra_env=None):
    import os
    patch = tmp_path / "tiny.ph"
    patch.write_text("out: saw 110 # lpf 800 0.8 # delay 0.25 0.6 # reverb 0.5 0.5 0.3\n")
    out = tmp_path / name
    env = dict(_plain_env(), **(extra_env or {}))
    for _ in range(2):  # the first run may compile into the cache; the second loads from it
        r = subprocess.run([sys.executable, "-c", FAST, str(patch), str(out)], capture_output=True,
                           text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stderr
    return set(json.loads(r.stdout.strip().splitlines()[-1])), out.read_bytes()


def test_cached_kernels_load_without_numbas_compile_registries(tmp_path):
    """phonon.numba_boot: a kernel loaded from numba's cache does not import numba's lowering
    and typing registries (0.4 s; they exist to compile), and the file is the same bytes as
    with numba's own loading (the same machine code)."""
    fast, fast_bytes = _render_modules(tmp_path, "fast.wav")
    slow, slow_bytes = _render_modules(tmp_path, "slow.wav", {"PHONON_NUMBA_FAST_LOAD": "0"})
    compile_only = {"numba.np.arraymath", "numba.typed.typeddict", "numba.np.npyimpl",
                    "numba.cpython.listobj", "numba.experimental.jitclass.base"}
    assert compile_only <= slow  # numba's refresh imports them ...
    assert not (compile_only & fast), sorted(compile_only & fast)  # ... a cache load does not
    assert fast_bytes == slow_bytes


def test_compiling_after_a_fast_cache_load_still_works():
    """A cache miss after fast loads compiles as always (numba's compiler refreshes its
    contexts itself), including kernels that use NRT arrays and math."""
    code = textwrap.dedent("""
        import phonon, numpy as np
        import numba
        from phonon.nodes.primitives import noise
        assert 0.0 <= abs(noise(7, 3)) <= 1.0  # a cached kernel: a fast load
        @numba.njit
        def g(n):
            out = np.empty(n)
            for i in range(n):
                out[i] = np.sin(0.1 * i) + len([1, 2, 3])
            return out
        y = g(8)
        assert abs(y[1] - (np.sin(0.1) + 3)) < 1e-12, y
        from numba.core import caching
        print(getattr(caching.Cache.load_overload, "_phonon_fast", False))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=_plain_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"]


def test_fast_cache_loads_leaves_an_unknown_numba_alone(monkeypatch):
    """Only numba's load_overload as written against is replaced (its code names the same
    calls); another one is kept."""
    from numba.core import caching

    from phonon import numba_boot

    def other(self, sig, target_context):  # a future numba's, say
        return None
    monkeypatch.setattr(caching.Cache, "load_overload", other)
    assert numba_boot.fast_cache_loads() is False
    assert caching.Cache.load_overload is other
    monkeypatch.setenv("PHONON_NUMBA_FAST_LOAD", "0")
    assert numba_boot.fast_cache_loads() is False
