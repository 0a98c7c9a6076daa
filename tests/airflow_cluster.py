"""A private PostgreSQL cluster and an Airflow 3 deployment on it, for the LocalExecutor test and its benchmark.

PostgreSQL comes from Debian's packages (tools/postgres.sh installs them when they are missing) and runs from a
temporary folder on a Unix socket only (no TCP port), as the postgres user when we are root (the server refuses to
run as root). Airflow runs as a team would run it: `airflow db migrate` on that database, then the api-server (the
execution API the LocalExecutor's workers report to), the dag-processor and the scheduler with the LocalExecutor,
each a process of its own, logging to files in the temporary AIRFLOW_HOME.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "liquidity_refresh"


# -- PostgreSQL ------------------------------------------------------------------------------------------------------
def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's /usr/lib/postgresql/<version>/bin (newest), else the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def ensure_postgres() -> Path:
    """PostgreSQL's binaries, installed from Debian's packages when missing (tools/postgres.sh)."""
    found = postgres_bin()
    if found is None:
        subprocess.run(["bash", str(ROOT / "tools" / "postgres.sh")], check=False, stdin=subprocess.DEVNULL)
        found = postgres_bin()
    if found is None:
        raise RuntimeError("PostgreSQL is not installed and could not be installed: run `sudo apt-get install -y "
                           "--no-install-recommends postgresql` (tools/postgres.sh)")
    return found


class Postgres:
    """A throwaway cluster: initdb into a temporary folder, the server listening on a socket in that folder only."""

    def __init__(self):
        self.bin = ensure_postgres()
        # a short path: a Unix socket's path must fit in 107 bytes
        self.base = Path(tempfile.mkdtemp(prefix="lqpg-", dir="/tmp"))
        self.data = self.base / "data"
        self.user = None
        if os.geteuid() == 0:           # the server will not run as root: hand the folder to the postgres user
            self.user = pwd.getpwnam("postgres")
            os.chown(self.base, self.user.pw_uid, self.user.pw_gid)
            os.chmod(self.base, 0o755)

    def _run(self, *args, **kw):
        as_user = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        return subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, cwd=self.base, **as_user, **kw)

    def start(self) -> "Postgres":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        # fsync off: a test database, thrown away afterwards; listen_addresses '' = no TCP at all
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-t", "60", "-o",
                  f"-k {self.base} -c listen_addresses='' -c fsync=off -c max_connections=200", "start")
        self._run("psql", "-h", str(self.base), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                  "-c", "CREATE DATABASE airflow")
        return self

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@/airflow?host={self.base}"

    def query(self, sql: str) -> list[dict]:
        """Rows of a query as dicts (psql's JSON output)."""
        wrapped = f"SELECT coalesce(json_agg(q), '[]') FROM ({sql}) q"
        out = self._run("psql", "-h", str(self.base), "-U", "postgres", "-d", "airflow", "-At", "-v",
                        "ON_ERROR_STOP=1", "-c", wrapped).stdout
        return json.loads(out)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)


# -- Airflow ---------------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Airflow:
    """Airflow 3 with the LocalExecutor on `pg`: db migrate, then api-server, dag-processor and scheduler."""

    def __init__(self, venv: Path, home: Path, pg: Postgres, parallelism: int, extra_env: dict):
        self.venv, self.home, self.pg = venv, home, pg
        self.port = _free_port()
        self.procs: list[subprocess.Popen] = []
        home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LIQUIDITY_", "PYTEST"))}
        env.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg.url,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "deploy" / "airflow"),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),     # shared by the api-server and the workers
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "LIQUIDITY_DAG_SCHEDULE": "none",        # only the runs the test triggers
            "LIQUIDITY_ALLOW_DIR": os.environ.get("LIQUIDITY_ALLOW_DIR", ""),   # the shared example claims file
            **extra_env,
        })
        self.env = env

    def cli(self, *args, timeout=600) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(self.venv / "bin" / "airflow"), *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                               f"{proc.stderr[-3000:]}")
        return proc

    def start(self) -> "Airflow":
        self.cli("db", "migrate")
        for name, args in (("api-server", ["api-server", "--port", str(self.port), "--workers", "1"]),
                           ("dag-processor", ["dag-processor"]), ("scheduler", ["scheduler"])):
            log = open(self.home / f"{name}.log", "w")
            self.procs.append(subprocess.Popen([str(self.venv / "bin" / "airflow"), *args], env=self.env, cwd=ROOT,
                                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               start_new_session=True))
            log.close()
        self._wait(self._api_up, 180, "the api-server to answer")
        self._wait(lambda: self.pg.query(f"SELECT dag_id FROM dag WHERE dag_id = '{DAG_ID}' AND NOT is_stale"),
                   300, "the dag-processor to parse the DAG")
        return self

    def _api_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/monitor/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def _wait(self, check, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"an Airflow process exited ({p.args[1]}, code {p.returncode}) waiting for "
                                       f"{what}:\n{self.logs()}")
            if check():
                return
            time.sleep(1)
        raise TimeoutError(f"waited {seconds}s for {what}:\n{self.logs()}")

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-tail:]}"
                         for f in sorted(self.home.glob("*.log")))

    def task_logs(self, run_id: str, task_ids, tail: int = 2500) -> str:
        """The end of each try's log of these tasks (dag_id=/run_id=/task_id=/attempt=N.log under the log folder)."""
        out = []
        for task_id in sorted(task_ids):
            for f in sorted((self.home / "logs").glob(f"dag_id={DAG_ID}/run_id={run_id}/task_id={task_id}/*.log")):
                out.append(f"--- {task_id} {f.name}\n{f.read_text(errors='replace')[-tail:]}")
        return "\n".join(out)

    def trigger(self, conf: dict, run_id: str) -> None:
        self.cli("dags", "trigger", DAG_ID, "-c", json.dumps(conf), "-r", run_id)

    def dag_run(self, run_id: str) -> dict:
        rows = self.pg.query(f"SELECT state, start_date, end_date FROM dag_run WHERE dag_id = '{DAG_ID}' "
                             f"AND run_id = '{run_id}'")
        return rows[0] if rows else {}

    def wait_for_run(self, run_id: str, seconds: float = 1200) -> dict:
        self._wait(lambda: self.dag_run(run_id).get("state") in ("success", "failed"), seconds,
                   f"DAG run {run_id} to finish")
        return self.dag_run(run_id)

    def tries(self, run_id: str) -> list[dict]:
        """Every try of every task of the run: the current one (task_instance) and earlier ones (the history)."""
        cols = ("task_id, try_number, state, pid, hostname, extract(epoch from start_date) AS started, "
                "extract(epoch from end_date) AS ended")
        where = f"WHERE dag_id = '{DAG_ID}' AND run_id = '{run_id}'"
        return self.pg.query(f"SELECT {cols} FROM task_instance {where} UNION ALL "
                             f"SELECT {cols} FROM task_instance_history {where}")

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


# -- processes ------------------------------------------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (by parent pid, read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(Path(stat).parts[2]))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
