"""The solver cases of ``explorer.bench.cases`` in asv's form: ``asv run --python=same``.

``explorer bench`` runs the same cases with its own timing, comparison and report.
"""

from explorer.bench.cases import CASES, FILL, Context, Skip, by_name


class Solve:
    params = ([c.name for c in (FILL, *CASES)], [10**4, 10**6, 10**8])
    param_names = ["method", "points"]
    timeout = 900

    def setup(self, method, points):
        self.context = Context()
        try:
            self.prepared = by_name(method).prepare(points, self.context)
        except Skip as why:
            self.context.close()
            raise NotImplementedError(str(why)) from None  # asv reports the case as skipped
        self.prepared.run()  # compile and warm up outside the timing

    def teardown(self, method, points):
        if hasattr(self, "prepared"):  # asv tears down skipped cases too
            self.prepared.cleanup()
        self.context.close()

    def time_solve(self, method, points):
        self.prepared.run()

    def peakmem_solve(self, method, points):
        self.prepared.run()
