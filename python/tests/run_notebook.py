"""Executes a notebook top to bottom in a real Jupyter kernel; fails on any error."""

import pathlib
import sys

import nbclient
import nbformat

path = pathlib.Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(path.parent)}})
client.execute()
cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
print(f"{path.name}")
print(f"notebook: {cells} passed, 0 failed")
