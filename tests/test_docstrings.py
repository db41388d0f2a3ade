"""Every public function documents exactly the parameters it takes, and docstring examples run.

One check for the whole public API (scikit-learn's test_docstring_parameters, scaled down): for
each name in a subpackage's ``__all__`` that is a function or a class, and the public methods of
those classes, a numpydoc ``Parameters`` section — when the docstring has one — lists exactly the
signature's parameters, in order. Docstring drift (a parameter added, renamed or removed without
its documentation) fails here.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re

import pytest

PACKAGES = [
    "capture", "capture.kernel", "capture.manifest", "lint", "export", "pipeline", "monitor", "registry",
    "registry.audit", "registry._mlflow", "notebook", "widgets.drift", "widgets.findings", "widgets.provenance",
]
_SECTION = re.compile(r"Parameters\n-+\n(.*?)(?:\n\n[A-Z][A-Za-z ]+\n-+\n|\Z)", re.S)
_ENTRY = re.compile(r"^(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)\s*(?::|$)")


class _Constructor:
    """A class seen as its constructor: numpydoc documents ``__init__``'s parameters on the class."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.__module__ = cls.__module__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def __call__(self, *args, **kwargs):  # pragma: no cover - only its signature is read
        return self.cls(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.cls)


def _public_callables():
    seen = set()
    for package_name in PACKAGES:
        package = importlib.import_module(f"nbpromote.{package_name}")
        for name in getattr(package, "__all__", []):
            obj = getattr(package, name)
            targets = [obj] if inspect.isfunction(obj) else []
            if inspect.isclass(obj) and obj.__module__.startswith("nbpromote"):
                if not issubclass(obj, BaseException):
                    targets.append(_Constructor(obj))
                targets += [
                    member for member_name, member in vars(obj).items()
                    if inspect.isfunction(member) and not member_name.startswith("_")
                ]
            for target in targets:
                key = (target.__module__, target.__qualname__, type(target))
                if key not in seen:
                    seen.add(key)
                    yield pytest.param(target, id=f"{package_name}.{target.__qualname__}")


def documented_parameters(func) -> list[str] | None:
    """Names in the docstring's Parameters section, or None when it has no such section."""
    match = _SECTION.search(inspect.cleandoc(func.__doc__ or ""))
    if match is None:
        return None
    names: list[str] = []
    for line in match.group(1).splitlines():
        if not line or line.startswith(" "):
            continue
        entry = _ENTRY.match(line)
        if entry:
            names += [part.strip().lstrip("*") for part in entry.group(1).split(",")]
    return names


@pytest.mark.parametrize("func", list(_public_callables()))
def test_documented_parameters_match_the_signature(func):
    names = documented_parameters(func)
    if names is None:
        return
    parameters = inspect.signature(func).parameters
    signature = [
        name for name, spec in parameters.items()
        if name != "self" and not name.startswith("_") and spec.kind is not inspect.Parameter.VAR_POSITIONAL
        # **options are documented only when they carry meaning
        and (spec.kind is not inspect.Parameter.VAR_KEYWORD or name in names)
    ]
    assert names == signature, f"{func.__module__}.{func.__qualname__}: documented {names}, signature {signature}"


def test_every_public_function_has_a_docstring():
    functions = [param.values[0] for param in _public_callables()]
    missing = [
        f"{func.__module__}.{func.__qualname__}"
        for func in functions
        if "." not in func.__qualname__ and not (func.__doc__ or "").strip()
    ]
    assert not missing, f"no docstring: {missing}"


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_name_in_all_is_exported(package_name):
    package = importlib.import_module(f"nbpromote.{package_name}")
    for name in getattr(package, "__all__", []):
        assert getattr(package, name, None) is not None, f"nbpromote.{package_name}.{name}"


def _modules():
    for package_name in PACKAGES:
        package = importlib.import_module(f"nbpromote.{package_name}")
        yield package
        for info in pkgutil.iter_modules(getattr(package, "__path__", []), prefix=f"{package.__name__}."):
            yield importlib.import_module(info.name)


@pytest.mark.parametrize("module", list(_modules()), ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
