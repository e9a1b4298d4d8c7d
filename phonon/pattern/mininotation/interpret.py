"""Mini-notation AST -> Pattern (`eval_<NodeType>` dispatch), with Tidal 1.9's semantics
(Sound.Tidal.ParseBP's toPat / resolve_seq)."""
from __future__ import annotations

from fractions import Fraction

from ...errors import MiniParseError
from ..core import Pattern, fast_from_list, pure, silence, stack, timecat
from ..random import choose_by, degrade_by_using, seeded_rand
from ..transforms import euclid
from .ast import Atom, Chord, Rest, Seq


class Interpreter:
    def __init__(self, source: str):
        self.source = source

    def eval(self, node) -> Pattern:
        return getattr(self, "eval_" + type(node).__name__)(node)

    # ---- leaves ------------------------------------------------------------------

    def eval_Atom(self, node: Atom) -> Pattern:
        return pure(node.value, (node.span,))

    def eval_Rest(self, node: Rest) -> Pattern:
        return silence

    def eval_Chord(self, node: Chord) -> Pattern:
        return stack(*[pure(v, (node.span,)) for v in node.values])

    # ---- sequences ---------------------------------------------------------------

    def weighted(self, node: Seq) -> list:
        out = []
        for step in node.steps:
            pat = self.eval(step.node)
            out.extend([(step.weight, pat)] * step.count)
        return out

    def eval_Seq(self, node: Seq) -> Pattern:
        steps = self.weighted(node)
        if not steps:
            return silence
        if len(steps) == 1:
            return steps[0][1]
        return timecat(*steps)

    @staticmethod
    def size(node) -> Fraction:
        """Steps in a layer (Tidal's resolve_tpat): total weight of a sequence, else 1."""
        if isinstance(node, Seq):
            return sum((s.weight * s.count for s in node.steps), Fraction(0))
        return Fraction(1)

    def eval_Stack(self, node) -> Pattern:
        return stack(*[self.eval(x) for x in node.layers])

    def eval_Choice(self, node) -> Pattern:
        # Tidal: unwrap $ segment 1 $ chooseBy (rotL (0.0001 * seed) rand) options
        options = [self.eval(x) for x in node.options]
        return choose_by(seeded_rand(node.seed), options)._segment(1).bind(lambda p: p)

    def polymeter(self, layers, steps: Pattern) -> Pattern:
        pats = []
        for layer in layers:
            size = self.size(layer)
            if size == 0:
                continue
            pat = self.eval(layer)
            if steps.is_pure:
                pats.append(pat._fast(Fraction(steps.pure_value) / size))
            else:
                pats.append(pat.fast(steps.fmap(lambda s, size=size: Fraction(s) / size)))
        return stack(*pats)

    def eval_Alternation(self, node) -> Pattern:
        return self.polymeter(node.layers, pure(Fraction(1)))

    def eval_Polymeter(self, node) -> Pattern:
        if node.steps is not None:
            steps = self.numeric(node.steps)
        elif node.layers:
            steps = pure(self.size(node.layers[0]))
        else:
            return silence
        return self.polymeter(node.layers, steps)

    # ---- modifiers ---------------------------------------------------------------

    def eval_Fast(self, node) -> Pattern:
        return self.eval(node.node).fast(self.numeric(node.factor))

    def eval_Slow(self, node) -> Pattern:
        return self.eval(node.node).slow(self.numeric(node.factor))

    def eval_Euclid(self, node) -> Pattern:
        k = self.numeric(node.pulses, integer=True)
        n = self.numeric(node.steps, integer=True)
        r = self.numeric(node.rotation, integer=True) if node.rotation is not None else pure(Fraction(0))
        return euclid(self.eval(node.node), k, n, r)

    def eval_Degrade(self, node) -> Pattern:
        amount = node.amount if node.amount is not None else Fraction(1, 2)
        return degrade_by_using(self.eval(node.node), seeded_rand(node.seed), amount)

    def eval_Range(self, node) -> Pattern:
        a, b = self.eval(node.start), self.eval(node.stop)
        return a.app_both(b, lambda x, y: (x, y)).bind(lambda xy: _from_to(*xy))

    # ---- numeric arguments ---------------------------------------------------------

    def numeric(self, node, integer: bool = False) -> Pattern:
        """Evaluate a pattern used as a number (factors, euclid arguments), checking its words."""
        self.check_numeric(node, integer)
        return self.eval(node)

    def check_numeric(self, node, integer: bool):
        if isinstance(node, Atom):
            v = node.value
            if not isinstance(v, Fraction):
                raise MiniParseError(f"expected a number here, found '{v}'", span=node.span, source=self.source)
            if integer and v.denominator != 1:
                raise MiniParseError(f"expected a whole number here, found {v}", span=node.span,
                                     source=self.source)
            return
        if isinstance(node, Chord):
            raise MiniParseError("expected a number here, found a chord", span=node.span, source=self.source)
        for name in getattr(node, "__dataclass_fields__", {}):
            if name == "span":
                continue
            child = getattr(node, name)
            for c in (child if isinstance(child, tuple) else (child,)):
                if hasattr(c, "__dataclass_fields__"):
                    if type(c).__name__ == "Step":
                        self.check_numeric(c.node, integer)
                    else:
                        self.check_numeric(c, integer)


def _from_to(a, b) -> Pattern:
    """Tidal's enumFromTo' for `a .. b`: integers counted up or down, in one step; other
    values just alternate."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if a <= b:
            vals, x = [], a
            while x <= b:
                vals.append(x)
                x += 1
        else:
            vals, x = [], b
            while x <= a:
                vals.append(x)
                x += 1
            vals.reverse()
        return fast_from_list(vals)
    return fast_from_list([a, b])
