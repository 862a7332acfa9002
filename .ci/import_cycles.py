#!/usr/bin/env python3
"""Fail when the files of a crate import each other in a loop.

    python3 .ci/import_cycles.py crates/core/src

A file's imports are the modules its code names: `crate::a::b` paths,
`super::` paths, and `use child::...` of its own submodules (a parent that
re-exports a child while the child imports the parent is a loop too).
Comments and `#[cfg(test)] mod tests` are left out; `pub use model::{..}`
re-exports of modules in lib.rs count as the modules they name. Prints each
loop (a strongly connected set of files) with the edges inside it.
"""
import os
import re
import sys


def modules(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(".rs"):
                parts = os.path.relpath(os.path.join(d, n), root)[:-3].split("/")
                if parts[-1] in ("mod", "lib"):
                    parts = parts[:-1]
                files[tuple(parts)] = os.path.join(d, n)
    return files


def source(path):
    src = open(path).read()
    src = re.split(r"#\[cfg\(test\)\]\s*mod tests", src)[0]
    return re.sub(r"//[^\n]*", "", src)


def aliases(files):
    """`pub use model::{scope, token};` in lib.rs: `crate::scope` is `model::scope`."""
    out = {}
    for m in re.finditer(r"pub use (\w+)::\{?([\w, ]+)\}?;", source(files[()])):
        for name in m.group(2).split(","):
            target = (m.group(1), name.strip())
            if target in files:
                out[name.strip()] = target
    return out


def edges(files):
    alias = aliases(files)

    def resolve(path):
        if path and path[0] in alias:
            path = list(alias[path[0]]) + path[1:]
        for i in range(len(path), 0, -1):
            if tuple(path[:i]) in files:
                return tuple(path[:i])
        return None

    graph = {}
    for mod, path in files.items():
        if mod == ():
            continue
        src = source(path)
        deps = set()
        for m in re.finditer(r"crate::((?:\w+::)*)(\{[^;]*?\}|\w+)", src, re.S):
            prefix = [x for x in m.group(1).split("::") if x]
            tail = m.group(2)
            items = re.findall(r"\w+(?:::\w+)*", tail) if tail.startswith("{") else [tail]
            deps.update(resolve(prefix + i.split("::")) for i in items)
        parent = list(mod[:-1])
        for m in re.finditer(r"\bsuper::((?:\w+::)*\w+)", src):
            deps.add(resolve(parent + m.group(1).split("::")))
        use_child = r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+(?:self::)?(\w+)((?:::\w+)*)"
        for m in re.finditer(use_child, src, re.M):
            child = mod + (m.group(1),)
            if child in files:
                deps.add(resolve(list(child) + [x for x in m.group(2).split("::") if x]))
        deps.discard(mod)
        deps.discard(None)
        deps.discard(())
        graph[mod] = deps
    return graph


def loops(graph):
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main():
    bad = False
    for root in sys.argv[1:]:
        graph = edges(modules(root))
        for comp in loops(graph):
            bad = True
            inside = set(comp)
            print(f"{root}: {len(comp)} files import each other in a loop:")
            for v in comp:
                to = sorted("::".join(w) for w in graph[v] if w in inside)
                print(f"    {'::'.join(v)} -> {', '.join(to)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
