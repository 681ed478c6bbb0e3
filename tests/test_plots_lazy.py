"""lab.plots imports each figure's module on first use, and keeps each figure function under its name."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest
from conftest import COMMAND_LIMIT

from labsupport import plots


def test_importing_the_package_loads_no_figure_module_nor_what_they_need():
    code = (
        "import sys, labsupport as lab; lab.plots; lab.plots.backlog;"
        "print(sorted(m for m in ('matplotlib', 'labsupport.http', 'labsupport.tap', 'labsupport.plots.anatomy')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
        timeout=COMMAND_LIMIT).stdout
    assert out.strip() == "[]"


def test_every_public_name_resolves_to_what_its_module_defines():
    assert sorted(plots.__all__) == sorted(plots._EXPORTS)
    for name, module in plots._EXPORTS.items():
        assert getattr(plots, name) is getattr(importlib.import_module(module, plots.__name__), name)
    assert set(dir(plots)) == set(plots.__all__)


def test_a_submodule_imported_directly_does_not_hide_the_function_of_its_name():
    for name in ("anatomy", "attempts", "backlog", "latency", "sequence", "server_cost"):
        module = importlib.import_module(f"labsupport.plots.{name}")
        assert isinstance(module, types.ModuleType)
        assert getattr(plots, name) is getattr(module, name)
        assert callable(getattr(plots, name)) and not isinstance(getattr(plots, name), types.ModuleType)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_figure"):
        plots.no_such_figure  # noqa: B018
