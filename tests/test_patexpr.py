"""The typed pattern IR (phonon.patexpr): frozen slotted dataclasses, hashable, picklable,
with a stable repr; the spec text (and so its digest) is written from their tagged-tuple form."""
import pickle
import subprocess
import sys
from fractions import Fraction as F

import pytest

from phonon import patexpr as P
from phonon.compiler import compile_source

SRC = 'd1 $ every 2 (fast 2) $ n "0 .. 3" # s "superpiano" # room 0.3 |+ n 12\nd2 $ s "bd*2" # pan sine'


def _exprs(spec):
    return [a.expr for n in spec.nodes for _, a in n.args if hasattr(a, "expr")]


def test_every_expression_class_is_frozen_slotted_and_tagged():
    classes = [c for c in vars(P).values() if isinstance(c, type) and issubclass(c, P.PatExpr)
               and c is not P.PatExpr]
    assert len(classes) == 22
    tags = {c.tag for c in classes}
    assert len(tags) == len(classes)
    e = P.Mini("bd")
    with pytest.raises(Exception):
        e.text = "sn"
    assert not hasattr(e, "__dict__")   # slots


def test_expressions_pickle_hash_and_repr_stably():
    spec = compile_source(SRC)
    for e in _exprs(spec):
        back = pickle.loads(pickle.dumps(e))
        assert back == e and hash(back) == hash(e) and repr(back) == repr(e)
    e = P.Apply("fast", (P.Pure(F(2)),), P.Mini("bd sn"))
    assert repr(e) == "Apply(name='fast', args=(Pure(value=Fraction(2, 1)),), target=Mini(text='bd sn'))"
    assert e.as_tuple() == ("apply", "fast", (("pure", F(2)),), ("mini", "bd sn"))
    assert {e: 1}[P.Apply("fast", (P.Pure(F(2)),), P.Mini("bd sn"))] == 1


def test_spec_text_digest_and_bytes_are_deterministic():
    a, b = compile_source(SRC), compile_source(SRC)
    assert a.to_bytes() == b.to_bytes() and a.digest() == b.digest()
    code = ("import sys; from phonon.compiler import compile_source; "
            f"sys.stdout.write(compile_source({SRC!r}).digest())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout
    assert other == a.digest()   # another process, another string hash seed
    assert '(apply "every" ((pure 2) (fn "fast" ((pure 2))))' in a.dump()


def test_walk_reaches_arguments_and_targets():
    e = P.Apply("every", (P.Pure(F(2)), P.Fn("fast", (P.Pure(F(2)),))), P.Mini("bd"))
    tags = [x.tag for x in P.walk(e)]
    assert tags == ["apply", "pure", "fn", "pure", "mini"]
