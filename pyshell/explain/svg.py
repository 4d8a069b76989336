"""The picture as an SVG document (``explain --svg FILE``), for slides.

Our own SVG rather than Graphviz: the picture has a fixed shape that the course draws by
hand — the shell on top, the processes it forked in a row below (in fork order), each a
box listing its fd table, pipes as coloured arrows from the writer's fd row to the
reader's, files as yellow notes the fds point to — and placing it ourselves keeps the fd
rows where the arrows must start, which dot's record shapes make awkward; and it needs
no package. The steps, in order, are listed below the boxes.
"""

from __future__ import annotations

from html import escape

from pyshell.explain.draw import PIPE_COLOURS
from pyshell.explain.model import Explanation, describe_status
from pyshell.explain.procfs import access_of

ROW = 18          # height of one fd row
BOX_WIDTH = 270
GAP = 90
COLOURS = {"36": "#0e8a9e", "35": "#a23ea6", "32": "#2c8a2c", "34": "#2d5fc4", "33;1": "#b07d00", "31": "#c0392b"}
FAMILY = "font-family='DejaVu Sans Mono, monospace'"
FONT = FAMILY + " font-size='12'"


class _Box:
    def __init__(self, x: int, y: int, title: str, subtitle: str, fds, pid: int):
        self.x, self.y = x, y
        self.title, self.subtitle = title, subtitle
        self.fds = [entry for entry in fds if entry["fd"] <= 9 or not entry["cloexec"]]
        self.pid = pid
        self.height = 2 * ROW + 8 + ROW * len(self.fds)

    def row_y(self, fd: int) -> float | None:
        for index, entry in enumerate(self.fds):
            if entry["fd"] == fd:
                return self.y + 2 * ROW + 8 + ROW * index + ROW / 2
        return None


def _label(entry: dict) -> str:
    target = entry["target"]
    if len(target) > 26:
        target = "…" + target[-25:]
    return f"{entry['fd']:>2}  {target}"


def _picture(explanation: Explanation, left: int, top: int) -> tuple[list[str], int, int]:
    """SVG elements of one explanation placed at (left, top); (elements, width, height)."""
    out: list[str] = []
    x = explanation
    out.append(f"<text x='{left}' y='{top + 16}' {FAMILY} font-size='15' font-weight='bold'>"
               f"{escape(('explain -n: ' if x.planned else 'explain: ') + x.line.strip())}</text>")
    boxes: dict[int, _Box] = {}
    shell_fds = [b["fds"] for b in x.builtins if b["pid"] == x.shell_pid]
    shell_table = shell_fds[-1] if shell_fds else x.shell_fds
    shell_title = "during builtin " + " ".join(x.builtins[-1]["argv"]) if shell_fds else "before the line"
    boxes[x.shell_pid] = _Box(left, top + 30, f"pysh {x.shell_pid}", f"the shell, {shell_title}",
                              shell_table, x.shell_pid)
    column = 0
    row_top = top + 30 + boxes[x.shell_pid].height + GAP + 20
    for process in x.processes.values():
        status = "" if x.planned else " · " + describe_status(process.status)
        when = "at execve" if process.kind == "exec" else "when it began"
        boxes[process.pid] = _Box(left + column * (BOX_WIDTH + GAP), row_top, f"{process.pid}  {process.label}",
                                  f"fds {when}{status}", process.fds, process.pid)
        column += 1
    files_top = max(box.y + box.height for box in boxes.values()) + GAP
    # fork edges: parent box bottom → child box top
    for process in x.processes.values():
        parent, child = boxes.get(process.parent), boxes[process.pid]
        if parent is None:
            continue
        out.append(f"<path d='M{parent.x + 40} {parent.y + parent.height} C {parent.x + 40} {child.y - 20}, "
                   f"{child.x + 40} {parent.y + parent.height + 20}, {child.x + 40} {child.y}' fill='none' "
                   f"stroke='#999' stroke-dasharray='4 3' marker-end='url(#fork)'/>")
        out.append(f"<text x='{child.x + 46}' y='{child.y - 6}' {FONT} fill='#777'>fork()</text>")
    colours = _pipe_colours(x)
    for box in boxes.values():
        out += _draw_box(box, colours)
    out += _pipe_arrows(x, boxes)
    files, height = _files(x, boxes, left, files_top)
    out += files
    steps_top = height + 20
    out.append(f"<text x='{left}' y='{steps_top}' {FONT} font-weight='bold'>steps, in order</text>")
    for number, step in enumerate(x.steps, 1):
        actor = "pysh" if step.actor == x.shell_pid else x.actor_name(step.actor)
        text = f"{number:>2}  {actor} {step.actor}: {step.text}"
        out.append(f"<text x='{left}' y='{steps_top + number * 16}' {FONT} xml:space='preserve'>"
                   f"{escape(text[:110])}</text>")
    width = max(BOX_WIDTH, column * (BOX_WIDTH + GAP), 700)
    return out, width, steps_top + len(x.steps) * 16 + 20 - top


def _draw_box(box: _Box, colours: dict) -> list[str]:
    out = [f"<rect x='{box.x}' y='{box.y}' width='{BOX_WIDTH}' height='{box.height}' rx='6' "
           f"fill='#f7f7fb' stroke='#333'/>",
           f"<text x='{box.x + 8}' y='{box.y + 15}' {FONT} font-weight='bold'>{escape(box.title[:34])}</text>",
           f"<text x='{box.x + 8}' y='{box.y + 31}' {FONT} fill='#666'>{escape(box.subtitle[:36])}</text>"]
    for entry in box.fds:
        y = box.row_y(entry["fd"])
        colour = colours.get(entry["inode"], "#b07d00" if entry["kind"] == "file" else "#222")
        if entry["cloexec"]:
            colour = "#aaa"
        out.append(f"<text x='{box.x + 8}' y='{y + 4}' {FONT} fill='{colour}' xml:space='preserve'>"
                   f"{escape(_label(entry))}</text>")
    return out


def _pipe_colours(x: Explanation) -> dict[int, str]:
    return {inode: COLOURS[PIPE_COLOURS[index % len(PIPE_COLOURS)]] for index, inode in enumerate(x.pipes())}


def _pipe_arrows(x: Explanation, boxes) -> list[str]:
    out = []
    colours = _pipe_colours(x)
    for inode, ends in x.pipes().items():
        colour = colours[inode]
        for writer, write_fd in ends["write"]:
            for reader, read_fd in ends["read"]:
                start, end = boxes.get(writer), boxes.get(reader)
                if start is None or end is None or start is end:
                    continue
                y1, y2 = start.row_y(write_fd), end.row_y(read_fd)
                if y1 is None or y2 is None:
                    continue
                x1, x2 = start.x + BOX_WIDTH, end.x
                middle = (x1 + x2) / 2
                out.append(f"<path d='M{x1} {y1} C {middle} {y1}, {middle} {y2}, {x2} {y2}' fill='none' "
                           f"stroke='{colour}' stroke-width='2.5' marker-end='url(#arrow)'/>")
                out.append(f"<text x='{middle}' y='{min(y1, y2) - 8}' {FONT} fill='{colour}' "
                           f"text-anchor='middle'>pipe:[{inode}]</text>")
    return out


def _files(x: Explanation, boxes, left: int, top: int) -> tuple[list[str], int]:
    """Each file opened for a redirection, under the first box holding it, with an arrow
    from every fd row that refers to it (towards the file for writes, from it for reads)."""
    out = []
    bottom = top
    taken: dict[int, int] = {}  # box x -> files already placed under it
    for info in x.files.values():
        holders = [(boxes[pid], entry) for pid, table in x.tables() if pid in boxes for entry in table
                   if entry["kind"] == "file" and entry["inode"] == info["inode"] and not entry["cloexec"]]
        fx = holders[0][0].x if holders else left
        fy = top + taken.get(fx, 0) * (ROW + 22)
        taken[fx] = taken.get(fx, 0) + 1
        out.append(f"<rect x='{fx}' y='{fy}' width='{BOX_WIDTH}' height='{ROW + 10}' rx='3' fill='#fff4c2' "
                   f"stroke='#b07d00'/>")
        out.append(f"<text x='{fx + 8}' y='{fy + 18}' {FONT}>{escape(info['path'][:34])}</text>")
        for box, entry in holders:
            y = box.row_y(entry["fd"])
            if y is None:
                continue
            edge_x, file_y = box.x + BOX_WIDTH, fy + (ROW + 10) / 2
            ends = ((edge_x, y), (fx + BOX_WIDTH, file_y))
            if access_of(entry["flags"]) == "r":
                ends = ends[::-1]
            (x1, y1), (x2, y2) = ends
            out.append(f"<path d='M{x1} {y1} C {x1 + 35} {y1}, {x2 + 35} {y2}, {x2} {y2}' stroke='#b07d00' "
                       f"stroke-width='1.5' fill='none' marker-end='url(#filearrow)'/>")
        bottom = max(bottom, fy + ROW + 10)
    return out, bottom


_DEFS = """<defs>
<marker id='arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' markerHeight='7' orient='auto'>
<path d='M0 0 L10 5 L0 10 z' fill='context-stroke'/></marker>
<marker id='fork' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='6' markerHeight='6' orient='auto'>
<path d='M0 0 L10 5 L0 10 z' fill='#999'/></marker>
<marker id='filearrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='6' markerHeight='6' orient='auto'>
<path d='M0 0 L10 5 L0 10 z' fill='#b07d00'/></marker>
</defs>"""


def svg_document(explanations) -> str:
    """One SVG with each explanation side by side (two for `explain A --vs B`)."""
    elements: list[str] = []
    left, height = 20, 0
    for explanation in explanations:
        drawn, width, tall = _picture(explanation, left, 20)
        elements += drawn
        left += width + 60
        height = max(height, tall)
    width, height = left, height + 40
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}'>\n{_DEFS}\n<rect width='100%' height='100%' fill='white'/>\n"
            + "\n".join(elements) + "\n</svg>")
