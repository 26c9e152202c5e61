"""Rewrites one generated section of a Markdown file, shared by the pipeline
benchmark scripts: the text between <!-- NAME:begin --> and <!-- NAME:end -->
is replaced (the markers are written too); without the markers the section
is appended at the end.

    from section import write_section
    write_section("docs/benchmarks.md", "peer", lines)   # lines: without markers
"""
import os


def write_section(path, name, lines):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = "\n".join([begin, *lines, end])
    doc = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if begin in doc and end in doc:
        doc = doc[:doc.find(begin)] + section + doc[doc.find(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(doc)
    return section
