"""The planner's public names in one import (the code lives in three modules):

  workers.plan      plans as data (Plan, Stage, Product) and the candidates (Builder)
  workers.schedule  dispatch order, task dependencies, `simulate` (list scheduling)
  workers.choose    chunk lengths and the best candidate by predicted wall (`make_plan`)

The time layout every part of the farm asks is `workers.grid.TimeGrid` (`plan.grid`).
"""
from .choose import Chooser, make_plan, plan_isolated  # noqa: F401
from .grid import StageTiming, TimeGrid, pieces  # noqa: F401
from .options import MODES  # noqa: F401
from .plan import (ARENA_BUDGET, FADING, HISTORY, LONG_TAIL_SECONDS, MIN_TASK_SECONDS,  # noqa: F401
                   MIX, MIX_COST, MIX_KINDS, SEEKABLE, STATELESS, THRESHOLDS, Builder,
                   Plan, Product, Stage, arena_budget, graph_info)
from .schedule import SimResult, dispatch_key, mixer_reads, simulate, task_deps, warm_cost  # noqa: F401
