"""Chart geometry for server-rendered SVG (templates/reliability/partials/chart.html).

Charts are drawn on the server: no chart library to ship, nothing to run in the browser (so the
pages keep a strict Content-Security-Policy), they print, and each bar carries its figure as a
tooltip and in the table beside it for screen readers.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 40, 12, 40  # room for the axes' labels


@dataclass
class Shape:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str

    # SVG coordinates, formatted here (numbers only, so safe): a dashboard draws ~1,000 of them, and
    # the template's floatformat (localised, through Decimal) was a sixth of the page's time.
    @property
    def rect(self) -> SafeString:
        return mark_safe(f'x="{self.x:.2f}" y="{self.y:.2f}" width="{self.width:.2f}" height="{self.height:.2f}"')

    @property
    def circle(self) -> SafeString:
        return mark_safe(f'cx="{self.x:.1f}" cy="{self.y:.1f}" r="{self.width}"')


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"

    @property
    def at(self) -> SafeString:
        return mark_safe(f'x="{self.x:.1f}" y="{self.y:.1f}"')

    @property
    def rotation(self) -> str:
        return f"rotate(-30 {self.x:.1f} {self.y:.1f})"


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Shape] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)  # x axis
    ticks: list[Label] = field(default_factory=list)  # left axis
    right_ticks: list[Label] = field(default_factory=list)
    gridlines: list[float] = field(default_factory=list)
    line: str = ""  # polyline points of a line series (Pareto's cumulative share)
    dots: list[Shape] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, name)

    @property
    def plot_bottom(self) -> float:
        return self.height - BOTTOM

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> float:
        return self.width - RIGHT

    @property
    def grid(self) -> list[SafeString]:
        """The gridlines' attributes."""
        return [mark_safe(f'x1="{LEFT}" x2="{self.plot_right:.1f}" y1="{y:.1f}" y2="{y:.1f}"') for y in self.gridlines]


def _nice_max(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above the value."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10.0 * power


def _number(value: float) -> str:
    """A tick or a tooltip's figure in the reader's language (only SVG coordinates stay neutral)."""
    if value >= 10_000:
        return f"{number_format(round(value / 1000), 0, force_grouping=True)}k"
    tenths = round(float(value), 1)
    return number_format(tenths, 0 if tenths == int(tenths) else 1, force_grouping=True)


def stacked_bars(
    title: str,
    labels: list[str],
    series: list[tuple[str, str, list[Decimal | int | float]]],
    *,
    unit: str = "",
) -> Chart:
    """One bar per label, each series stacked on the one before: series = [(name, css class, values)]."""
    chart = Chart(title, legend=[(css, name) for name, css, _ in series])
    if not labels:
        return chart
    totals = [sum(float(values[i] or 0) for _, _, values in series) for i in range(len(labels))]
    top = _nice_max(max(totals))
    plot_h = chart.plot_bottom - TOP
    slot = (chart.plot_right - LEFT) / len(labels)
    bar_w = max(slot * 0.7, 1)
    for fraction in (0, 0.5, 1):
        y = chart.plot_bottom - plot_h * fraction
        chart.gridlines.append(y)
        chart.ticks.append(Label(LEFT - 6, y + 4, _number(top * fraction), "end"))
    every = max(1, round(len(labels) / 12))
    for i, label in enumerate(labels):
        x = LEFT + i * slot + (slot - bar_w) / 2
        base = chart.plot_bottom
        for name, css, values in series:
            value = float(values[i] or 0)
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            chart.bars.append(Shape(x, base, bar_w, h, css, f"{label} {name}: {_number(value)}{unit}"))
        if i % every == 0:
            chart.labels.append(Label(x + bar_w / 2, chart.plot_bottom + 16, label))
    return chart


def pareto(title: str, labels: list[str], values: list[Decimal], cumulative: list[Decimal], *, unit: str) -> Chart:
    """Bars of the worst items, most first, with their cumulative share of the whole as a line (right
    axis, 0–100 %): where the line flattens, fixing more assets buys little."""
    chart = stacked_bars(title, labels, [(title, "pw-pareto-bar", list(values))], unit=unit)
    chart.legend.append(("pw-pareto-dot", _("cumulative share of the total")))
    if not labels:
        return chart
    plot_h = chart.plot_bottom - TOP
    slot = (chart.plot_right - LEFT) / len(labels)
    points = []
    for i, share in enumerate(cumulative):
        x, y = LEFT + i * slot + slot / 2, chart.plot_bottom - plot_h * float(share)
        points.append(f"{x:.1f},{y:.1f}")
        chart.dots.append(
            Shape(
                x,
                y,
                3,
                3,
                "pw-pareto-dot",
                _("%(label)s: %(share)s %% cumulative") % {"label": labels[i], "share": f"{float(share) * 100:.0f}"},
            )
        )
    chart.line = " ".join(points)
    for fraction in (0, 0.5, 1):
        y = chart.plot_bottom - plot_h * fraction
        chart.right_ticks.append(Label(chart.plot_right + 6, y + 4, f"{fraction * 100:.0f} %", "start"))
    for label in chart.labels:  # asset codes are long: slant them
        label.anchor = "end"
    return chart
