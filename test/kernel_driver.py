"""Runs cells on a Jupyter kernel through jupyter_client and prints what came back as JSON.

Usage: kernel_driver.py KERNEL_NAME CWD < cells.json   (a JSON list of cell sources)
Output: a JSON list, one record per cell: {"status", "outputs": [iopub messages], "reply"}.
Each output is {"msg_type", "content"} for stream / display_data / execute_result / error.
KERNEL_DRIVER_GRACE=S keeps collecting a cell's messages for S seconds after its idle status
(Deno's kernel can send some after it); those outputs also carry "after_idle": true.
Used by test/kernel_protocol.test.ts (spawned with Debian's /usr/bin/python3, which has
jupyter_client; JUPYTER_PATH points at this checkout's kernel spec).
"""
import json
import os
import queue
import sys
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60
KEPT = {"stream", "display_data", "update_display_data", "execute_result", "error"}


def run_cell(client, code, grace):
    msg_id = client.execute(code)
    outputs = []
    idle_at = None
    while True:
        try:
            msg = client.get_iopub_msg(timeout=TIMEOUT if idle_at is None else max(0.0, idle_at + grace - time.monotonic()))
        except queue.Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            if grace <= 0:
                break
            idle_at = time.monotonic()
            continue
        if kind in KEPT:
            record = {"msg_type": kind, "content": msg["content"]}
            if idle_at is not None:
                record["after_idle"] = True
            outputs.append(record)
    reply = client.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=TIMEOUT)
    if reply["content"]["status"] == "error":
        # tslab aborts every request that arrives within 200 ms of a failed cell.
        time.sleep(0.4)
    return {"status": reply["content"]["status"], "outputs": outputs, "reply": reply["content"]}


def main():
    kernel_name, cwd = sys.argv[1], sys.argv[2]
    grace = float(os.environ.get("KERNEL_DRIVER_GRACE", "0"))
    cells = json.load(sys.stdin)
    # The kernel's own stdout/stderr would mix into our JSON: send them to our stderr.
    manager, client = start_new_kernel(
        kernel_name=kernel_name, cwd=cwd, startup_timeout=TIMEOUT, stdout=sys.stderr, stderr=sys.stderr
    )
    try:
        results = [run_cell(client, code, grace) for code in cells]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    json.dump(results, sys.stdout, default=str)


if __name__ == "__main__":
    main()
