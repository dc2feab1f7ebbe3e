#!/usr/bin/env python3
"""Function package size and cold start, for docs/benchmarks.md.

For each function binary (omnigraph-query, -mutate, -recover) in BIN_DIR:
  * size: the binary copied as `bootstrap`, stripped of symbols (as `cargo lambda build
    --release` ships it) and zipped (deflate); also the zipped size unstripped;
  * cold start: process spawn -> its first `GET /2018-06-01/runtime/invocation/next` on a
    minimal Lambda Runtime API served by this script on loopback; median (and min/max) of RUNS
    runs. The function gets the environment the Terraform module sets (S3 store, DynamoDB
    manifest, AWS_LC_SYS_NO_JITTER_ENTROPY=1) with dummy credentials; building the service
    makes no AWS request, so no endpoint needs to answer.

Usage: scripts/bench-functions.py BIN_DIR [RUNS]
"""

import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

FUNCTIONS = ["omnigraph-query", "omnigraph-mutate", "omnigraph-recover"]
NEXT = "/2018-06-01/runtime/invocation/next"


class Poll:
    """The instant of the first `next` poll of the current run."""

    def __init__(self):
        self.event = threading.Event()
        self.at = None


POLL = Poll()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server naming)
        if self.path == NEXT and not POLL.event.is_set():
            POLL.at = time.perf_counter()
            POLL.event.set()
        # Hold the poll open: the measuring loop kills the process.
        time.sleep(2)

    def log_message(self, *args):
        pass


def zipped_size(path, strip):
    with tempfile.TemporaryDirectory() as tmp:
        bootstrap = os.path.join(tmp, "bootstrap")
        shutil.copy(path, bootstrap)
        if strip:
            subprocess.run(["strip", "--strip-all", bootstrap], check=True)
        archive = os.path.join(tmp, "bootstrap.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(bootstrap, "bootstrap")
        return os.path.getsize(bootstrap), os.path.getsize(archive)


def cold_start(path, port, runs):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": os.path.basename(path),
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "OMNIGRAPH_STORE": "s3://omnigraph-bench/graphs",
        "OMNIGRAPH_MANIFEST": "dynamodb://omnigraph-bench",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LC_SYS_NO_JITTER_ENTROPY": "1",
        "RUST_LOG": "warn",
    }
    times = []
    for _ in range(runs):
        POLL.event.clear()
        POLL.at = None
        started = time.perf_counter()
        proc = subprocess.Popen([path], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if not POLL.event.wait(30):
            proc.kill()
            proc.wait()
            raise SystemExit(f"{path} did not poll the runtime API within 30 s")
        times.append((POLL.at - started) * 1000.0)
        proc.kill()
        proc.wait()
    return times


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    bin_dir = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print(f"machine: {os.uname().machine}, {os.cpu_count()} CPUs; runs per function: {runs}")
    print("| function | binary (stripped) | zipped (stripped) | zipped (as built) "
          "| start -> first poll, median | min | max |")
    print("|---|---|---|---|---|---|---|")
    for name in FUNCTIONS:
        path = os.path.join(bin_dir, name)
        raw, zipped = zipped_size(path, strip=True)
        _, zipped_unstripped = zipped_size(path, strip=False)
        times = cold_start(path, port, runs)
        print(f"| {name} | {raw:,} B | {zipped:,} B | {zipped_unstripped:,} B "
              f"| {statistics.median(times):.1f} ms | {min(times):.1f} ms "
              f"| {max(times):.1f} ms |")
    server.shutdown()


if __name__ == "__main__":
    main()
