"""nbconvert config used by scripts/run-nbconvert.js (`jupyter nbconvert --config <this file>`).

tslab answers a failed cell with a bare execute_reply (status "error", no
ename/evalue/traceback): the real message only exists as the cell's stderr
stream output. So on a cell error we:
  1. copy that text into the reply, so nbconvert's own CellExecutionError
     message shows the actual error instead of "<Error>: ";
  2. write a JSON report (cell index, source, error text) to
     $EINCONV_NB_ERROR_FILE;
  3. write the partially executed notebook to $EINCONV_NB_PARTIAL_FILE, since
     nbconvert writes nothing when execution fails.
Also fills in execution counts (tslab sends no execute_input message).
Uses nbclient's hooks (nbclient >= 0.6; Debian bookworm has 0.7.2).
"""
import json
import os
import re

import nbformat

c = get_config()  # noqa: F821 (injected by traitlets when loading a config file)

_state = {}

_ERROR_LINE = re.compile(r"^(?:Uncaught )?([A-Za-z_$][\w$]*(?:Error|Exception))(?: \[[^\]]*\])?: ?(.*)$")
_DIAGNOSTIC_LINE = re.compile(r"^(?:\S+ )?\d+:\d+ - ")


def _on_notebook_start(notebook, **kwargs):
    # The hook gets the very notebook object nbclient fills in, cell by cell.
    _state["nb"] = notebook


def _on_cell_executed(cell, cell_index, execute_reply, **kwargs):
    # tslab sends no execute_input message, so nbclient never learns the count; take it from the reply.
    if cell.get("execution_count") is None:
        cell["execution_count"] = execute_reply.get("content", {}).get("execution_count")


def _error_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback", [])) or f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts).rstrip()


def _classify(text):
    lines = text.splitlines()
    for line in lines:
        m = _ERROR_LINE.match(line.strip())
        if m:
            return m.group(1), m.group(2)
    if lines and all(_DIAGNOSTIC_LINE.match(l) for l in lines if l.strip()):
        return "TypeScriptError", lines[0]
    return "TslabError", lines[0] if lines else "(the cell failed without printing an error)"


def _on_cell_error(cell, cell_index, execute_reply, **kwargs):
    content = execute_reply.get("content", {})
    text = _error_text(cell)
    if not content.get("ename"):
        ename, evalue = _classify(text)
        content["ename"] = ename
        content["evalue"] = evalue
        content["traceback"] = text.splitlines()
    report_path = os.environ.get("EINCONV_NB_ERROR_FILE")
    if report_path:
        with open(report_path, "w") as f:
            json.dump(
                {
                    "cell_index": cell_index,
                    "execution_count": cell.get("execution_count"),
                    "source": cell.get("source", ""),
                    "ename": content.get("ename"),
                    "evalue": content.get("evalue"),
                    "text": text,
                },
                f,
                indent=1,
            )
    partial_path = os.environ.get("EINCONV_NB_PARTIAL_FILE")
    if partial_path and "nb" in _state:
        nbformat.write(_state["nb"], partial_path)


c.ExecutePreprocessor.on_notebook_start = _on_notebook_start
c.ExecutePreprocessor.on_cell_executed = _on_cell_executed
c.ExecutePreprocessor.on_cell_error = _on_cell_error
