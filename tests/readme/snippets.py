#!/usr/bin/env python3
"""Every code block of the READMEs, checked: the one harness behind the
promise that the READMEs' code runs.

- ```python blocks: type-checked (`mypy --strict`) and run, each in a fresh
  interpreter, inside `async def` (so `await` works as in a notebook), with
  the names of prelude.py in scope;
- ```js blocks: type-checked as TypeScript (`tsc --strict`, prelude.d.mts
  giving the names the prose describes) and run as ES modules with
  prelude.mjs's names; ```ts blocks type-checked;
- ```rust blocks: doc tests (core/src/lib.rs and sandbox/src/lib.rs include
  the READMEs), so this checks only that each README holding one is
  included there;
- ```sh, ```text and ```toml blocks are not run, and an unlabelled block
  is refused (rustdoc would compile it as Rust).

A block whose first line is `# not run: <why>` (`// not run: <why>` in
JavaScript) is shown as not run, with its reason. Everything runs against
a sandbox on 127.0.0.1 (KAPTURE_BASE_URL, KAPTURE_TOKEN) with every proxy
variable pointing at a closed port and NO_PROXY covering loopback only, so a
snippet that reaches for any other host fails.

Usage: python snippets.py --node-dir target/frameworks/node
(run by the venv's python that has kapture_crm, mypy, celery and pandas).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Dict, List

import kapture_crm

REPO = pathlib.Path(__file__).resolve().parents[2]
HERE = REPO / "tests" / "readme"
READMES = ["README.md", "bindings-python/README.md", "bindings-node/README.md", "core/README.md", "sandbox/README.md"]
# Where each README's Rust blocks are compiled as doc tests.
DOC_TESTED_IN = {
    "README.md": "core/src/lib.rs",
    "core/README.md": "core/src/lib.rs",
    "sandbox/README.md": "sandbox/src/lib.rs",
}
NOT_RUN_LANGS = {"sh", "bash", "console", "text", "toml"}
PYTHON_NAMES = re.compile(r"^\s*(#|//) not run: (.+)$")
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


@dataclass
class Block:
    readme: str
    line: int
    lang: str
    code: str

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", f"{self.readme}_{self.line}").strip("_")

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"


def blocks() -> List[Block]:
    found = []
    for readme in READMES:
        text = (REPO / readme).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            info = match.group(1).strip()
            lang = info.split(",")[0].split()[0] if info else ""
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(readme, line, lang, match.group(2)))
    return found


def not_run_reason(block: Block) -> str | None:
    first = block.code.splitlines()[0] if block.code.strip() else ""
    match = PYTHON_NAMES.match(first)
    return match.group(2) if match else None


def sandbox_env(sandbox: kapture_crm.Sandbox) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAPTURE_")}
    env.update(KAPTURE_BASE_URL=sandbox.url, KAPTURE_TOKEN=sandbox.token)
    closed = "http://127.0.0.1:9"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[name] = closed
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def python_file(block: Block) -> str:
    body = textwrap.indent(block.code, "    ")
    return (
        f"# {block.where}, as tests/readme/snippets.py runs it.\n"
        "from prelude import *  # noqa: F403\n\n\n"
        "async def __snippet() -> None:\n"
        f"{body}\n\n"
        "asyncio.run(__snippet())\n"
    )


DECLARED = [
    re.compile(r"import\s*\{([^}]*)\}\s*from"),
    re.compile(r"import\s+(\w+)\s+from"),
    re.compile(r"\b(?:const|let|var|function\*?|class)\s+(\w+)"),
    re.compile(r"\b(?:const|let|var)\s*\{([^}]*)\}\s*="),
]


def js_header(block: Block, provided: List[str]) -> str:
    declared = set()
    for pattern in DECLARED:
        for match in pattern.finditer(block.code):
            for name in match.group(1).split(","):
                name = name.split(":")[-1].split(" as ")[-1].strip()
                if name:
                    declared.add(name)
    used = [n for n in provided if n not in declared and re.search(rf"(?<![\w.$]){re.escape(n)}\b", block.code)]
    header = f"// {block.where}, as tests/readme/snippets.py runs it.\n"
    if used:
        header += f"import {{ {', '.join(used)} }} from './prelude.mjs'\n"
    return header


def kapture_exports(node_dir: pathlib.Path) -> List[str]:
    out = subprocess.run(
        ["node", "-e", "console.log(Object.keys(require('kapture-crm')).join(' '))"],
        cwd=node_dir, capture_output=True, text=True, check=True,
    )
    return out.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--node-dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    node_dir = args.node_dir.resolve()
    work = REPO / "target" / "readme"
    shutil.rmtree(work, ignore_errors=True)
    (work / "python").mkdir(parents=True)
    js_dir = node_dir / "readme"
    shutil.rmtree(js_dir, ignore_errors=True)
    js_dir.mkdir(parents=True)
    failures: List[str] = []
    python: List[Block] = []
    js: List[Block] = []
    ts: List[Block] = []
    counts: Dict[str, int] = {}

    for block in blocks():
        reason = not_run_reason(block)
        if block.lang == "":
            failures.append(f"{block.where}: a block with no language (rustdoc compiles it as Rust): label it")
        elif reason is not None:
            print(f"not run: {block.where} ({block.lang}): {reason}")
        elif block.lang == "python":
            python.append(block)
        elif block.lang in ("js", "javascript"):
            js.append(block)
        elif block.lang in ("ts", "typescript"):
            ts.append(block)
        elif block.lang == "rust":
            home = DOC_TESTED_IN.get(block.readme)
            source = (REPO / home).read_text() if home else ""
            relative = os.path.relpath(REPO / block.readme, (REPO / home).parent) if home else ""
            if f'include_str!("{relative}")' not in source:
                failures.append(f"{block.where}: a Rust block in a README no doc test includes")
        elif block.lang not in NOT_RUN_LANGS:
            failures.append(f"{block.where}: ```{block.lang} is neither run nor listed as not run")
        counts[block.lang or "(none)"] = counts.get(block.lang or "(none)", 0) + 1

    with kapture_crm.Sandbox() as sandbox:
        env = sandbox_env(sandbox)
        # Snippets run in a scratch folder of their own (a journal or a
        # failures file they write stays out of the tree), with the
        # repository's examples/ beside them as the prose has it.
        cwd = work / "cwd"
        cwd.mkdir()
        (cwd / "examples").symlink_to(REPO / "examples")

        # Python: mypy --strict over every block, then each run.
        files = []
        for block in python:
            path = work / "python" / f"{block.slug}.py"
            path.write_text(python_file(block))
            files.append((block, path))
        shutil.copy(HERE / "prelude.py", work / "python" / "prelude.py")
        if files:
            check = subprocess.run(
                [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(work / ".mypy_cache"),
                 *[str(p) for _, p in files]],
                cwd=work / "python", capture_output=True, text=True,
            )
            if check.returncode != 0:
                failures.append("mypy --strict:\n" + check.stdout + check.stderr)
        for block, path in files:
            run = subprocess.run([sys.executable, str(path)], cwd=cwd, env={**env, "PYTHONPATH": str(work / "python")},
                                 capture_output=True, text=True, timeout=120)
            status = "ok" if run.returncode == 0 else "FAILED"
            print(f"python {status}: {block.where}")
            if run.returncode != 0:
                failures.append(f"{block.where} (python) exited {run.returncode}:\n{run.stdout}{run.stderr}")

        # JavaScript and TypeScript: tsc --strict over every block, then the JS run.
        provided = ["client", "request", "records", "asyncSource", "rowsFromMyCsvParser", "winstonLogger"]
        provided += [n for n in kapture_exports(node_dir) if n not in provided]
        shutil.copy(HERE / "prelude.mjs", js_dir / "prelude.mjs")
        shutil.copy(HERE / "prelude.d.mts", js_dir / "prelude.d.mts")
        typed = []
        for block in js + ts:
            header = js_header(block, provided)
            (js_dir / f"{block.slug}.mts").write_text(header + block.code)
            typed.append(str(js_dir / f"{block.slug}.mts"))
            if block in js:
                (js_dir / f"{block.slug}.mjs").write_text(header + block.code)
        if typed:
            tsc = node_dir / "node_modules" / "typescript" / "bin" / "tsc"
            check = subprocess.run(
                ["node", str(tsc), "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext",
                 "--moduleResolution", "nodenext", "--types", "node", "--skipLibCheck", *typed],
                cwd=node_dir, capture_output=True, text=True,
            )
            if check.returncode != 0:
                failures.append("tsc --strict:\n" + check.stdout + check.stderr)
        for block in js:
            run = subprocess.run(["node", str(js_dir / f"{block.slug}.mjs")], cwd=cwd, env=env,
                                 capture_output=True, text=True, timeout=120)
            status = "ok" if run.returncode == 0 else "FAILED"
            print(f"js {status}: {block.where}")
            if run.returncode != 0:
                failures.append(f"{block.where} (js) exited {run.returncode}:\n{run.stdout}{run.stderr}")

    summary = ", ".join(f"{n} {lang}" for lang, n in sorted(counts.items()))
    print(f"README blocks: {summary}; python and js run, rust as doc tests, the rest not run")
    for failure in failures:
        print(f"\nREADME snippet check failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
