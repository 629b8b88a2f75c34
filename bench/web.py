"""Pages versus a bare endpoint on the same server, in the same run.

Target (issue 2): the home page and My OneVisit at >= 25 % of the requests per second of a
bare hello-world endpoint (``/healthz``). One uvicorn worker serves; wrk (C, one thread)
drives it over loopback. Rounds alternate hello/home/me so that machine noise hits all
three alike; the ratio uses the median of the rounds.

    uv run python -m bench.web [--seconds 8] [--rounds 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import free_port, write_result

TARGET_RATIO = 0.25
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway account in a throwaway database


def _prepare(database_url: str) -> str:
    """Migrates, seeds a small province and a bench citizen; returns the citizen's ID number."""
    import datetime as dt

    from onevisit.demo.seed import seed_province
    from onevisit.identity.idnumbers import make_id_number
    from onevisit.identity.services import people
    from onevisit.kernel.migrate import upgrade
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import Settings

    platform = Platform(Settings(database_url=database_url, secret_key=os.environ["ONEVISIT_SECRET_KEY"]))
    upgrade(platform.db.engine)
    seed_province(platform, citizens=2000, enterprises=200, seed=7)
    # Born after the generator's reference date (2025-12-31), so it cannot clash with anyone seeded.
    number = make_id_number("330106", dt.date(2026, 1, 5), 995)
    with platform.uow() as uow:
        person = people.register_person(
            uow, id_number=number, name="测试用户", region_code="330106", phone="13700001111"
        )
        people.ensure_account(uow, person, password=PASSWORD)
    platform.close()
    return number


def _wrk(url: str, seconds: int, cookie: str | None) -> float:
    cmd = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(out)
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: run scripts/ensure-bench-deps.sh", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="onevisit-bench-web-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    env = {
        **os.environ,
        "ONEVISIT_DATABASE_URL": database_url,
        "ONEVISIT_ENVIRONMENT": "production",
        "ONEVISIT_SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "ONEVISIT_SECURE_COOKIES": "false",
    }
    os.environ.update({k: env[k] for k in ("ONEVISIT_SECRET_KEY",)})
    number = _prepare(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "onevisit.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        with httpx.Client(base_url=base) as client:
            login = client.post("/api/v1/auth/login", json={"id_number": number, "password": PASSWORD})
            login.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            assert client.get("/me").status_code == 200
        rounds: dict[str, list[float]] = {"hello": [], "home": [], "me": []}
        for i in range(args.rounds):
            rounds["hello"].append(_wrk(base + "/healthz", args.seconds, None))
            rounds["home"].append(_wrk(base + "/", args.seconds, None))
            rounds["me"].append(_wrk(base + "/me", args.seconds, cookie))
            print(f"round {i + 1}: " + ", ".join(f"{k} {v[-1]:.0f} req/s" for k, v in rounds.items()))
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    median = {k: statistics.median(v) for k, v in rounds.items()}
    ratios = {"home": median["home"] / median["hello"], "me": median["me"] / median["hello"]}
    print(f"hello-world /healthz: {median['hello']:.0f} req/s (median of {args.rounds})")
    for name in ("home", "me"):
        verdict = "meets" if ratios[name] >= TARGET_RATIO else "MISSES"
        print(
            f"{name:>5}: {median[name]:.0f} req/s = {ratios[name]:.1%} of hello "
            f"({verdict} the {TARGET_RATIO:.0%} target)"
        )
    path = write_result(
        "web" if database_url.startswith("sqlite") else "web-postgresql",
        {
            "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
            "server": "uvicorn, 1 worker",
            "load": "wrk -t1 -c16",
            "seconds_per_round": args.seconds,
            "rounds": rounds,
            "median_rps": median,
            "ratio_to_hello": ratios,
            "target_ratio": TARGET_RATIO,
            "meets_target": all(r >= TARGET_RATIO for r in ratios.values()),
        },
    )
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
