#!/usr/bin/env python3
"""Checks that each option of the infofrag command is declared in exactly one place.

An option is declared by one line of a config struct's field table in include/ or src/,
    v(field, "name", "help", checks...)        (g(...) inside a group)
which gives its name, help and checks; its default is the field's in-class initializer on
the line that declares the field. Everything else (Boost bindings, INI text, validation,
provenance attributes, --help) is generated from that line. The script reads every C++ file
under include/ and src/ and fails, naming file and line, when
  1. two field tables declare the same option (same name and help) instead of sharing one
     declaration; a command's own files (its `files(V& v)` table: --out, --embeddings) are
     per command and exempt;
  2. an option's help text appears as a string literal anywhere but in its declaration;
  3. a default is given outside the struct: Boost's `default_value(` or `implicit_value(`
     anywhere (the binder of src/cli/options.hpp shows the field's own value as default);
  4. the command layer (src/cli/) declares or looks up an option by a name spelled by hand
     (`add_options()("name", ...)`, `values.count("name")`, `values["name"]`,
     `find_nothrow("name", ...)`): options come from the field tables. Exempt are its own
     general options --config and --help, and --out, every command's output by convention,
     which src/cli/options.cpp compares with --config.
It also counts, for the record, the literals elsewhere that equal an option name: names of
attributes in the documented file layouts ("seed", "steps") and options named in error
messages ("--steps 0: ..."); those are references, not declarations.
Usage: check_options.py [repository root]   (exit 0: clean, 1: findings)
       check_options.py --self-test            (each rule fires on a tree made to break it)
"""
import pathlib
import re
import subprocess
import sys
import tempfile

STRING = r'"(?:[^"\\]|\\.)*"'
DECLARATION = re.compile(r'\b[vg]\(\s*[A-Za-z_][\w.\[\]]*\s*,\s*"([a-z0-9][a-z0-9-]*)"\s*,\s*((?:'
                         + STRING + r'\s*)+)')
FILES_TABLE = re.compile(r"void files\(V& v\)\s*\{")
GENERAL = {"config", "help", "out"}
OPTION_USE = re.compile(r"(add_options\(\)\(|\)\(|count\(|\[|find_nothrow\(|find\()\s*$")


def literal_text(concatenated):
    return "".join(s[1:-1] for s in re.findall(STRING, concatenated))


def block_end(text, open_brace):
    depth = 0
    for i in range(open_brace, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text)


def line_of(text, position):
    return text.count("\n", 0, position) + 1


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    files = sorted(p for d in ("include", "src") for p in (root / d).rglob("*")
                   if p.suffix in (".hpp", ".cpp", ".h", ".cc"))
    texts = {p.relative_to(root): p.read_text() for p in files}

    declarations = []  # dicts: path, line, name, help, span, files_table
    for path, text in texts.items():
        file_tables = [(m.end() - 1, block_end(text, m.end() - 1))
                       for m in FILES_TABLE.finditer(text)]
        for m in DECLARATION.finditer(text):
            declarations.append({
                "path": path, "line": line_of(text, m.start()), "name": m.group(1),
                "help": literal_text(m.group(2)), "span": m.span(),
                "files_table": any(a < m.start() < b for a, b in file_tables)})
    if not declarations:
        print(f"check_options: no field-table declarations under {root}")
        return 1

    findings = []
    same = {}
    for d in declarations:
        if not d["files_table"]:
            same.setdefault((d["name"], d["help"]), []).append(f'{d["path"]}:{d["line"]}')
    for (name, help_text), places in sorted(same.items()):
        if len(places) > 1:
            findings.append(f'option "{name}" ({help_text!r}) declared {len(places)} times: '
                            + ", ".join(places) + " (share one declaration)")

    spans = {}
    for d in declarations:
        spans.setdefault(d["path"], []).append(d["span"])
    names = {d["name"] for d in declarations}
    helps = {d["help"] for d in declarations}
    layout_names = messages = 0
    for path, text in texts.items():
        inside = spans.get(path, [])

        def outside(position):
            return not any(a <= position < b for a, b in inside)

        for m in re.finditer(STRING, text):
            if not outside(m.start()):
                continue
            value = m.group(0)[1:-1]
            line = line_of(text, m.start())
            if value in helps:
                findings.append(f"{path}:{line}: help text {value!r} outside its declaration")
            if value in names:
                if path.parts[:2] == ("src", "cli") and value not in GENERAL and \
                        OPTION_USE.search(text[max(0, m.start() - 40):m.start()]):
                    findings.append(f'{path}:{line}: option name "{value}" spelled by hand in '
                                    "the command layer")
                else:
                    layout_names += 1
            elif re.match(r"--([a-z0-9-]+)", value) and \
                    re.match(r"--([a-z0-9-]+)", value).group(1) in names:
                messages += 1
        for m in re.finditer(r"\b(default_value|implicit_value)\(", text):
            findings.append(f"{path}:{line_of(text, m.start())}: {m.group(1)}: a default "
                            "outside its field's initializer")

    for finding in findings:
        print(finding)
    print(f"check_options: {len(declarations)} field-table declarations, {len(names)} option "
          f"names, {len(files)} files; elsewhere {layout_names} literals equal to an option "
          f"name (file-layout attributes and lookups outside src/cli), {messages} options "
          f"named in messages; {len(findings)} findings")
    return 1 if findings else 0


SELF_TEST = {
    "clean": ("", 0),
    "twice": ('struct B { int steps = 1; template <class V> void fields(V& v) {\n'
              '  v(steps, "steps", "optimizer steps"); } };\n', 1),
    "help": ('const char* kHelp = "optimizer steps";\n', 1),
    "default": ('auto x = po::value<int>()->default_value(3);\n', 1),
    "cli": ('bool given = values.count("steps") > 0;\n', 1),
    "cli-text": ('const char* kHeading = "steps";\n', 0),
}
BASE = ('struct A { int steps = 1; std::string out;\n'
        '  template <class V> void fields(V& v) { v(steps, "steps", "optimizer steps"); }\n'
        '  template <class V> void files(V& v) { v(out, "out", "output file"); } };\n'
        'struct C { std::string out; template <class V> void files(V& v) {\n'
        '  v(out, "out", "output file"); } };\n')


def self_test():
    failed = 0
    for case, (extra, expected) in SELF_TEST.items():
        with tempfile.TemporaryDirectory() as root:
            (pathlib.Path(root) / "include").mkdir()
            (pathlib.Path(root) / "src/cli").mkdir(parents=True)
            (pathlib.Path(root) / "include/a.hpp").write_text(BASE)
            where = "src/cli/main.cpp" if case.startswith("cli") else "include/b.hpp"
            (pathlib.Path(root) / where).write_text(extra)
            rc = subprocess.run([sys.executable, __file__, root], capture_output=True).returncode
        print(f"self-test {case}: exit {rc}, expected {expected}")
        failed += rc != expected
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(self_test() if sys.argv[1:] == ["--self-test"] else main())
