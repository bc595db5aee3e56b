#!/usr/bin/env python3
"""Lists C++ functions whose bodies are longer than a limit (issue 16: none
in operator/ or lib/ over ~80 lines).

    python3 scripts/long_functions.py [LIMIT] [GIT PATHSPEC...]

LIMIT defaults to 80 body lines; the pathspecs to 'operator/*.cc' 'lib/*.cc'.
Prints "LINES FILE:LINE NAME", longest first; exits 1 if any is listed.
A rough count: braces are matched after strings and // comments are
blanked, and a brace opens a function body when the text before it ends
like a function head (`) {`, `) const {`, `-> T {`) outside another body.
"""
import re
import subprocess
import sys


def function_lengths(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    clean = []
    for line in lines:
        s = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        s = re.sub(r"'(\\.|[^'\\])*'", "''", s)
        clean.append(re.sub(r"//.*", "", s))
    # The head must end at this very brace (not at an earlier one-line
    # function on a line before it).
    head = re.compile(r"\)\s*(const)?\s*(override)?\s*(noexcept)?\s*"
                      r"(->\s*[\w:<>, ]+)?\s*\{$")
    stack = []  # (line, is_function)
    for i, s in enumerate(clean):
        for j, ch in enumerate(s):
            if ch == "{":
                before = " ".join(clean[max(0, i - 4):i]) + " " + s[:j + 1]
                is_fn = (len(stack) <= 2 and head.search(before) is not None
                         and not re.search(r"\b(if|for|while|switch|catch)\s*\(", s)
                         and not re.search(r"=\s*\[", before[-200:]))
                stack.append((i, is_fn))
            elif ch == "}" and stack:
                start, is_fn = stack.pop()
                if is_fn and not any(f for _, f in stack):
                    names = re.findall(r"([\w:~]+)\s*\(",
                                       " ".join(clean[max(0, start - 3):start + 1]))
                    yield i - start - 1, start + 1, names[0] if names else "?"


def main():
    args = sys.argv[1:]
    limit = int(args.pop(0)) if args and args[0].isdigit() else 80
    specs = args or ["operator/*.cc", "lib/*.cc"]
    files = subprocess.check_output(["git", "ls-files", *specs], text=True).split()
    long = [(n, f, line, name) for f in files
            for n, line, name in function_lengths(f) if n > limit]
    for n, f, line, name in sorted(long, reverse=True):
        print(f"{n} {f}:{line} {name}")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())
