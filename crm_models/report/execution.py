"""How report notebooks are executed: a papermill engine that reports each cell, and a
kernel that talks to its runner over local sockets.

papermill's own engine only knows a tqdm bar or nothing.  :class:`CellReportingEngine`
(registered with papermill as ``"crm_models"``) calls ``on_cell(event, index, total,
seconds)`` before and after every code cell, which drives both the terminal bar and the
plain log lines of :mod:`crm_models.report.progress`.

:class:`LocalKernelManager` starts the kernel with the IPC transport (Unix sockets in a
private temporary path) on POSIX systems instead of TCP on localhost: the kernel is only
ever reached from this machine, other local users cannot connect to a port, and recent
ipykernels no longer print "Kernel is running over TCP without encryption" into every
scheduled run's log.  On Windows, which has no IPC transport, it keeps TCP.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable

from jupyter_client import AsyncKernelManager
from papermill.engines import NBClientEngine, papermill_engines
from traitlets import CaselessStrEnum, default

__all__ = ["LocalKernelManager", "CellReportingEngine", "ENGINE_NAME", "CellCallback"]

ENGINE_NAME = "crm_models"

#: ``on_cell(event, index, total, seconds)``: event is "start", "ok" or "failed"; index counts
#: code cells from 1; seconds is 0.0 for "start".
CellCallback = Callable[[str, int, int, float], None]


class LocalKernelManager(AsyncKernelManager):
    """An ipykernel on IPC sockets (POSIX) with an absolute socket path, so the kernel's
    working directory (the notebook folder) does not matter."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="tcp" if os.name == "nt" else "ipc",
                                config=True)

    @default("ip")
    def _private_socket_path(self) -> str:
        if self.transport == "ipc":
            return os.path.join(tempfile.gettempdir(), f"crm-kernel-{uuid.uuid4().hex[:12]}")
        return "127.0.0.1"


class CellReportingEngine(NBClientEngine):
    """papermill's nbclient engine plus a per-code-cell callback (``on_cell``)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, on_cell: CellCallback | None = None, **kwargs):
        kwargs.setdefault("kernel_manager_class", LocalKernelManager)
        if on_cell is not None:
            _report_cells(nb_man, on_cell)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


def _report_cells(nb_man, on_cell: CellCallback) -> None:
    """Wrap the execution manager's cell hooks (papermill calls them around every cell)."""
    code_number = {}
    for i, cell in enumerate(nb_man.nb.cells):
        if cell.cell_type == "code":
            code_number[i] = len(code_number) + 1
    total = len(code_number)
    started: dict[int, float] = {}
    cell_start, cell_exception, cell_complete = nb_man.cell_start, nb_man.cell_exception, nb_man.cell_complete
    failed: set[int] = set()

    def start(cell, cell_index=None, **kw):
        cell_start(cell, cell_index, **kw)
        if cell_index in code_number:
            started[cell_index] = time.perf_counter()
            on_cell("start", code_number[cell_index], total, 0.0)

    def exception(cell, cell_index=None, **kw):
        failed.add(cell_index)
        cell_exception(cell, cell_index, **kw)

    def complete(cell, cell_index=None, **kw):
        cell_complete(cell, cell_index, **kw)
        if cell_index in started:
            seconds = time.perf_counter() - started.pop(cell_index)
            on_cell("failed" if cell_index in failed else "ok", code_number[cell_index], total, seconds)

    nb_man.cell_start, nb_man.cell_exception, nb_man.cell_complete = start, exception, complete


papermill_engines.register(ENGINE_NAME, CellReportingEngine)
