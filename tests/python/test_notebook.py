"""examples/notebooks/rainstorm.ipynb executes top to bottom without a cell error, on this interpreter."""

import json
import os
import sys

import pytest

NOTEBOOK = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "notebooks", "rainstorm.ipynb")


def test_notebook_is_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 20
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "python3"


def test_notebook_executes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("distributed")
    # The kernel must be this interpreter (the one with crisiskit and the test deps), whatever
    # kernelspecs the machine has: a "python3" spec on JUPYTER_PATH (searched before the user's
    # and the system's kernel directories) that starts sys.executable.
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (test)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "agg")
    # The kernel starts in the notebook's folder: a relative PYTHONPATH (PYTHONPATH=python in a
    # checkout) would point elsewhere there, so make it absolute to import the crisiskit under test.
    if os.environ.get("PYTHONPATH"):
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(os.path.abspath(p) for p in
                                                         os.environ["PYTHONPATH"].split(os.pathsep) if p))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys, crisiskit\nprint(sys.executable)\nprint(crisiskit.__file__)"))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": os.path.dirname(NOTEBOOK)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    exe, pkg = "".join(o.get("text", "") for o in nb.cells[-1].outputs).split()
    assert os.path.realpath(exe) == os.path.realpath(sys.executable)
    import crisiskit
    assert os.path.realpath(pkg) == os.path.realpath(crisiskit.__file__)
    # the notebook's last check printed that the Dask sweep equals the local one
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "identical to the local sweep: True" in text
    assert "LedgerVerification(ok" in text
