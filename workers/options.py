"""The farm's command-line choices, in a module that imports nothing: `phonon-farm` builds
its argument parser and starts its template before numpy or numba load."""

MODES = ("auto", "time", "branch")  # how a plan splits the work (--mode)
BACKENDS = ("inline", "process", "dask")  # where the tasks run (--backend)
START_METHODS = ("spawn", "forkserver", "fork")  # how the template starts (--start-method)
# Backends whose workers report each base chunk as they write it (`Task.stream`): the farm
# sends such tasks, and the planner's simulation lets the mixer follow them.
STREAMING_BACKENDS = ("process",)
