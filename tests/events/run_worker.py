"""A delivery worker in a process of its own, for the tests that kill it: ``python
run_worker.py DATABASE_URL WORKER_ID`` (sending only to 127.0.0.1, leases of the
subscription's timeout plus one second)."""

from __future__ import annotations

import logging
import sys

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    url, worker_id = sys.argv[1], sys.argv[2]
    engine = ContentEngine(url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    worker = engine.events_worker(worker_id=worker_id, lease_margin=1.0, poll_interval=0.5, batch_size=100)
    print("ready", flush=True)
    worker.run()
