"""The one place charts are drawn: matplotlib figures saved as SVG, made safe to inline.

Every chart is a `Chart`: a title that states the message, a description, the SVG
(drawn by matplotlib, never by hand) and its data as a table to print beside it
(GOV.UK / ONS chart guidance). RAG colours always come with their words, in the
legend and in the table.

The SVG matplotlib writes carries `style="..."` attributes and a `<style>` element;
our Content-Security-Policy (`style-src 'self'`) blocks both in a page. `_clean` turns
every declaration into the equivalent SVG presentation attribute (`fill="#d4351c"`),
drops the `<style>` element and any script, and adds `role="img"`, a `<title>` and a
`<desc>` for screen readers. WeasyPrint draws the same SVG in the board pack.
"""

import functools
import hashlib
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from actionplans.models import RAG

__all__ = ["Chart", "bar_chart", "line_chart", "RAG_COLOURS"]

# numpy (under matplotlib) would otherwise start a BLAS thread pool that charts never
# use; a process with threads must not fork, and board packs render in forked
# workers (`reporting.pdf.walk_pack`). Set before matplotlib is first imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

# GOV.UK colours; text on them is never needed (the words are in the legend and table).
RAG_COLOURS = {
    RAG.RED: "#d4351c",
    RAG.AMBER: "#f47738",
    RAG.GREEN: "#00703c",
    RAG.BLUE: "#1d70b8",
    RAG.NOT_STARTED: "#505a5f",
    RAG.NOT_RATED: "#b1b4b6",
}
# For series that are not RAG statuses (overdue, slipped, response rate...).
PLAIN_COLOURS = ["#1d70b8", "#d4351c", "#505a5f", "#00703c", "#f47738"]
TEXT_COLOUR = "#0b0c0c"
FONT = "Arial"

# CSS properties matplotlib writes that are also SVG presentation attributes.
PRESENTATION = {
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linejoin",
    "stroke-linecap",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-miterlimit",
    "opacity",
    "font-size",
    "font-family",
    "font-weight",
    "font-style",
    "text-anchor",
    "clip-path",
}


@dataclass(frozen=True)
class Series:
    label: str  # the words shown beside the colour: "Red – behind schedule"
    values: tuple[float, ...]
    colour: str


@dataclass
class Chart:
    key: str
    title: str  # the message: "Health has the most overdue actions"
    description: str
    svg: str
    row_heading: str
    columns: list[str]
    rows: list[tuple[str, list]] = field(default_factory=list)
    unit: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def _declarations(style: str) -> dict[str, str]:
    result = {}
    for part in style.split(";"):
        name, _, value = part.partition(":")
        name, value = name.strip(), value.strip()
        if not name or not value:
            continue
        if name == "font":  # "10px 'DejaVu Sans'": matplotlib's shorthand
            size, _, family = value.partition(" ")
            result["font-size"] = size
            result["font-family"] = family or FONT
        else:
            result[name] = value
    return result


def _clean(svg: str, *, key: str, title: str, description: str) -> str:
    """matplotlib's SVG with no style attribute, style element or script, labelled."""
    root = ET.fromstring(svg)  # noqa: S314 - matplotlib's own output, text escaped by it
    for parent in root.iter():
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1]
            if tag in ("style", "script", "metadata"):
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("onload", None)
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _declarations(style).items():
                if name in PRESENTATION:
                    element.set(name, value)
        # Ids must be unique in a page with several charts.
        if "id" in element.attrib:
            element.set("id", f"{key}-{element.get('id')}")
        for name in ("clip-path", "{http://www.w3.org/1999/xlink}href", "href"):
            value = element.get(name)
            if value and value.startswith("url(#"):
                element.set(name, f"url(#{key}-{value[5:]}")
            elif value and value.startswith("#"):
                element.set(name, f"#{key}-{value[1:]}")
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("role", "img")
    root.set("class", "app-chart__svg")
    root.set("aria-labelledby", f"{key}-title {key}-desc")
    title_element = ET.Element(f"{{{SVG_NS}}}title", id=f"{key}-title")
    title_element.text = title
    desc_element = ET.Element(f"{{{SVG_NS}}}desc", id=f"{key}-desc")
    desc_element.text = description
    root.insert(0, desc_element)
    root.insert(0, title_element)
    # Named here, not only at import: another library in the process (moto, in the
    # tests) may take the default prefix for its own namespace, and the page would get
    # "<ns0:svg>", which browsers do not draw.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    text = ET.tostring(root, encoding="unicode")
    return re.sub(r"\s*\n\s*", "\n", text)


def _figure(width: float, height: float):
    # Imported when first drawn (about a second): pages without charts never pay it.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=72)
    figure.set_facecolor("white")
    return figure


def _style_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT_COLOUR, labelsize=11)
    ax.grid(axis="x" if ax.name == "rectilinear" else "both", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def _save(figure) -> str:
    buffer = io.StringIO()
    # Tight: the legend above the axes is kept whole.
    figure.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        pad_inches=0.05,
        metadata={"Date": None, "Creator": None},
    )
    return buffer.getvalue()


def _rc():
    import matplotlib

    return matplotlib.rc_context(
        {
            "svg.fonttype": "none",  # text stays text: searchable, selectable, in the PDF
            "svg.hashsalt": "actionplans",  # the same data draws the same SVG
            "font.family": "sans-serif",
            "font.sans-serif": [FONT, "Liberation Sans", "DejaVu Sans"],
            "font.size": 11,
            "text.color": TEXT_COLOUR,
        }
    )


@functools.lru_cache(maxsize=256)
def _bar_svg(categories: tuple[str, ...], series: tuple[Series, ...], stacked: bool, unit: str):
    height = 1.2 + 0.32 * max(len(categories), 1) * (1 if stacked else max(len(series), 1) * 0.6)
    with _rc():
        figure = _figure(8.5, min(height, 14))
        ax = figure.add_subplot()
        positions = list(range(len(categories)))
        left = [0.0] * len(categories)
        bar_height = 0.7 if stacked else 0.8 / max(len(series), 1)
        for index, item in enumerate(series):
            ys = positions
            if not stacked:  # side by side: each series its slice of the row
                ys = [p - 0.4 + bar_height * (index + 0.5) for p in positions]
            bars = ax.barh(
                ys,
                item.values,
                height=bar_height,
                left=left if stacked else None,
                color=item.colour,
                label=item.label,
                edgecolor="white",
                linewidth=0.8,
            )
            for position, patch in enumerate(bars.patches):
                patch.set_gid(f"bar-{index}-{position}")  # tests find each bar by its id
            if stacked:
                left = [a + b for a, b in zip(left, item.values, strict=True)]
        ax.set_yticks(positions, [_short(c) for c in categories])
        ax.invert_yaxis()
        if unit:
            ax.set_xlabel(unit)
        _style_axes(ax)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=min(len(series), 3),
            frameon=False,
            fontsize=11,
        )
        figure.tight_layout()
        return _save(figure)


@functools.lru_cache(maxsize=128)
def _line_svg(x_labels: tuple[str, ...], series: tuple[Series, ...], unit: str):
    with _rc():
        figure = _figure(8.5, 4.2)
        ax = figure.add_subplot()
        positions = list(range(len(x_labels)))
        markers = ["o", "s", "^", "D", "v", "P"]
        for index, item in enumerate(series):
            (line,) = ax.plot(
                positions,
                item.values,
                color=item.colour,
                label=item.label,
                marker=markers[index % len(markers)],
                linewidth=2.5,
            )
            line.set_gid(f"line-{index}")
        ax.set_xticks(positions, [_short(label, 18) for label in x_labels])
        if unit:
            ax.set_ylabel(unit)
        _style_axes(ax)
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(bottom=0)
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=min(len(series), 3),
            frameon=False,
            fontsize=11,
        )
        figure.tight_layout()
        return _save(figure)


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _key(prefix: str, *parts) -> str:
    digest = hashlib.sha1(json.dumps(parts, default=str).encode(), usedforsecurity=False)
    return f"chart-{prefix}-{digest.hexdigest()[:8]}"


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    row_heading: str,
    categories: list[str],
    series: list[Series],
    stacked: bool = True,
    unit: str = "Actions",
) -> Chart:
    """Horizontal bars, one a category, stacked by series (RAG statuses) or side by side."""
    series = [item for item in series if any(item.values)] or series[:1]
    rows = [
        (category, [item.values[i] for item in series]) for i, category in enumerate(categories)
    ]
    chart_key = _key(key, categories, [(s.label, s.values) for s in series])
    svg = ""
    if categories and series:
        svg = _clean(
            _bar_svg(tuple(categories), tuple(series), stacked, unit),
            key=chart_key,
            title=title,
            description=description,
        )
    return Chart(
        key=chart_key,
        title=title,
        description=description,
        svg=svg,
        row_heading=row_heading,
        columns=[item.label for item in series],
        rows=rows,
        unit=unit,
    )


def line_chart(
    *,
    key: str,
    title: str,
    description: str,
    row_heading: str,
    x_labels: list[str],
    series: list[Series],
    unit: str = "Actions",
) -> Chart:
    """One line a series across `x_labels` (rounds, oldest first)."""
    series = [item for item in series if any(item.values)] or series[:1]
    rows = [(label, [item.values[i] for item in series]) for i, label in enumerate(x_labels)]
    chart_key = _key(key, x_labels, [(s.label, s.values) for s in series])
    svg = ""
    if x_labels and series:
        svg = _clean(
            _line_svg(tuple(x_labels), tuple(series), unit),
            key=chart_key,
            title=title,
            description=description,
        )
    return Chart(
        key=chart_key,
        title=title,
        description=description,
        svg=svg,
        row_heading=row_heading,
        columns=[item.label for item in series],
        rows=rows,
        unit=unit,
    )
