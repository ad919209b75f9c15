"""The package in hosts that load it on threads that come and go: a thread
pool that imports lazily, a threaded HTTP server (Flask's and Django's dev
servers run a thread per request). Each runs in a fresh interpreter, since
what matters is which thread loads the native module first."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_fresh(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_loaded_on_a_pool_thread_that_exits_then_used_by_twenty_more_pools_and_the_main_thread() -> None:
    done = run_fresh(
        """
        from concurrent.futures import ThreadPoolExecutor

        def task(i):
            import kapture_crm  # lazily, on this pool's only thread
            kapture_crm.validate({"customer_info": {"customer_name": f"T{i}", "phone": "9380491387"}})
            s = kapture_crm.Sandbox()
            try:
                c = s.client()
                reply = c.add_customer({"customer_info": {"customer_name": f"T{i}", "phone": f"93804913{i:02d}"}})
                c.close()
            finally:
                s.stop()
            return reply["status"]

        for i in range(20):
            with ThreadPoolExecutor(max_workers=1) as pool:
                assert pool.submit(task, i).result() == "success"
        import kapture_crm
        kapture_crm.validate({"customer_info": {"customer_name": "main", "phone": "9380491387"}})
        print("ok", flush=True)
        """
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "ok"


def test_a_threaded_http_server_importing_in_its_handler_answers_twenty_requests() -> None:
    done = run_fresh(
        """
        import threading, urllib.request
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                import kapture_crm  # lazily, as a view module would
                kapture_crm.validate({"customer_info": {"customer_name": "web", "phone": "9380491387"}})
                body = kapture_crm.__version__.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        for _ in range(20):
            with urllib.request.urlopen(url, timeout=30) as reply:
                assert reply.status == 200
        server.shutdown()
        print("ok", flush=True)
        """
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "ok"
