"""NumPy (and the standard library's ``random``): draws, generators, statistics, readers."""

from __future__ import annotations

from ._model import Library, Returns, names

_DRAWS = names("""
    rand randn randint random random_sample random_integers ranf sample choice shuffle permutation normal
    uniform binomial poisson exponential beta gamma multinomial standard_normal lognormal laplace logistic
    dirichlet integers multivariate_normal geometric gumbel hypergeometric negative_binomial pareto
    power rayleigh standard_cauchy standard_exponential standard_gamma standard_t triangular vonmises
    wald weibull zipf chisquare f noncentral_chisquare noncentral_f bytes
""")

NUMPY = Library(
    name="numpy",
    roots=frozenset({"numpy"}),
    readers=names("loadtxt genfromtxt fromfile load memmap"),
    random_draws=_DRAWS,
    rng_factories=names("default_rng RandomState Generator SeedSequence"),
    seeders=names("seed"),
    row_statistics=names("""
        mean median std var percentile quantile nanmean nanmedian nanstd nanvar nanpercentile nanquantile
        average ptp amin amax nanmin nanmax min max cov corrcoef histogram norm
    """),
    returns={
        "histogram": Returns(2),
        "meshgrid": Returns(2),
        "unique": Returns(1, when=(("return_counts", 2), ("return_index", 2), ("return_inverse", 2))),
        "polyfit": Returns(1, when=(("full", 5), ("cov", 2))),
        "nonzero": Returns(1),
    },
)

#: Python's ``random`` module: draws from the global generator seeded by ``random.seed``.
PY_RANDOM = Library(
    name="random",
    roots=frozenset({"random"}),
    random_draws=names("""
        random randint choice choices shuffle sample uniform gauss randrange normalvariate triangular
        getrandbits betavariate expovariate gammavariate lognormvariate vonmisesvariate paretovariate
        weibullvariate randbytes binomialvariate
    """),
    rng_factories=names("Random"),
    seeders=names("seed"),
)
