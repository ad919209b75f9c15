#!/usr/bin/env python3
"""Fails on an import circle among the modules of a crate's src/ tree.

A module is a file (`client.rs`, `bulk/run.rs`; `bulk/mod.rs` is `bulk`).
An edge A -> B is a path in A that names B: `crate::b::...` (in a `use` or
in code), `super::b` or `self::b`. A parent's `mod b;` declaration is not
an edge, but a parent that uses its child, and the child that uses its
parent, make a circle like any other. Lines inside `#[cfg(test)]` modules
are left out: a test may reach anywhere.

Usage: check_imports.py CRATE_SRC_DIR...   (exit 1 and each circle printed)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Dict, List, Set

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
GROUP = re.compile(r"\b(crate|super|self)::\{([^}]*)\}", re.S)


def module_of(src: Path, file: Path) -> str:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return "/".join(parts)


def product_text(text: str) -> str:
    """The file without its comment lines and `#[cfg(test)] mod ... { ... }`
    blocks."""
    out: List[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "#[cfg(test)]" and i + 1 < len(lines) and re.match(r"\s*(pub )?mod \w+ \{", lines[i + 1]):
            depth = 0
            i += 1
            while i < len(lines):
                depth += lines[i].count("{") - lines[i].count("}")
                i += 1
                if depth <= 0:
                    break
            continue
        if not lines[i].lstrip().startswith("//"):
            out.append(lines[i])
        i += 1
    return "\n".join(out)


def resolve(modules: Set[str], base: List[str], names: List[str]) -> str | None:
    """The longest module named by `base` + a prefix of `names`."""
    best = None
    for n in range(0, len(names) + 1):
        candidate = "/".join(base + names[:n])
        if candidate in modules:
            best = candidate
    return best


def edges_of(src: Path) -> Dict[str, Set[str]]:
    files = sorted(p for p in src.rglob("*.rs"))
    modules = {module_of(src, f): f for f in files}
    names = set(modules)
    graph: Dict[str, Set[str]] = {m: set() for m in modules}
    for module, file in modules.items():
        text = product_text(file.read_text())
        own = module.split("/") if module else []
        is_dir_module = file.name in ("mod.rs", "lib.rs", "main.rs")
        # The module `self` and `super` refer to.
        here = own if is_dir_module else own
        parent = own[:-1]
        paths: List[tuple[str, List[str]]] = []
        for match in GROUP.finditer(text):
            for item in re.split(r",", match.group(2)):
                item = item.strip().split(" as ")[0].strip()
                if item:
                    paths.append((match.group(1), [p for p in item.split("::") if p and p != "{"]))
        for match in PATH.finditer(text):
            rest = match.group(2)
            if rest == "::{":
                continue
            paths.append((match.group(1), [p for p in rest.split("::") if p]))
        for root, rest in paths:
            if root == "crate":
                base: List[str] = []
            elif root == "super":
                base = parent if not is_dir_module else own[:-1]
                while rest and rest[0] == "super":
                    base, rest = base[:-1], rest[1:]
            else:  # self
                base = here if is_dir_module else own
            target = resolve(names, base, rest)
            if target is not None and target != module and target != "":
                graph[module].add(target)
    return graph


def circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on: Set[str] = set()
    found: List[List[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(dirs: List[str]) -> int:
    failed = False
    for d in dirs:
        src = Path(d)
        graph = edges_of(src)
        for component in circles(graph):
            failed = True
            links = [f"{a} -> {b}" for a in component for b in sorted(graph[a]) if b in component]
            print(f"{src}: import circle among {', '.join(component)}: " + "; ".join(links))
    if not failed:
        print(f"no import circles in {', '.join(dirs)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["core/src", "cli/src"]))
