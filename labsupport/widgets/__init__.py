"""Widgets of the course (ipywidgets 8, Spanish labels), driven by hand or from Python.

Every function returns a small object whose ``.ui`` is the ipywidgets box (displaying the
object displays the box; its plain-text form is one stable line for nbval). Buttons are
attributes (``.button``) and results are read back (``.last_result``, ``.transcript``,
``.rows``), so tests and notebooks can drive a widget without a browser::

    rb = lab.widgets.request_builder(srv)
    rb.path.value = "/status/404"
    rb.button.click()
    rb.last_response.status            # 404

Callbacks run in the kernel's main thread and only change widget values; no thread ever
writes to an output. ipywidgets is imported when a widget is built, not before.
"""

from __future__ import annotations

from ..http.client import RawResponse
from ._common import LabWidget
from ._fault_scenarios import FaultResult
from ._target import TargetError
from .chat import Chat, chat
from .download import Download, DownloadResult, download
from .faultlab import FAULT_KEYS, FaultLab, fault_lab
from .request import Exchange, RequestBuilder, request_builder
from .requestlog import RequestLog, request_log
from .toxiclab import ToxicLab, toxic_lab

__all__ = [
    "FAULT_KEYS",
    "Chat",
    "Download",
    "DownloadResult",
    "Exchange",
    "FaultLab",
    "FaultResult",
    "LabWidget",
    "RawResponse",
    "RequestBuilder",
    "RequestLog",
    "TargetError",
    "ToxicLab",
    "chat",
    "download",
    "fault_lab",
    "request_builder",
    "request_log",
    "toxic_lab",
]
