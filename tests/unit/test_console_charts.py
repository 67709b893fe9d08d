"""The console's SVG charts (api/console/charts.py): well-formed, escaped, to scale, accessible, no style."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

from markupsafe import Markup

from api.console.charts import HEIGHT, Series, bar_chart, line_chart, ticks

SVG = "{http://www.w3.org/2000/svg}"


def euros(value: object) -> str:
    return f"{value} €"


def bars(*values: tuple[str, Decimal]) -> ElementTree.Element:
    markup = bar_chart(values, ident="essai", title="Titre <b>", description="Desc & co", label=euros, axis=euros)
    return ElementTree.fromstring(str(markup))


def lines(*series: Series, span: tuple[float, float] = (0, 0)) -> ElementTree.Element:
    markup = line_chart(
        ["janv.\n2026", "févr.", "mars"], series, ident="courbe", title="Évolution", description="Trois mois",
        label=str, axis=lambda v: f"{v:g} %", axis_title="% des relances", span=span,
    )  # fmt: skip
    return ElementTree.fromstring(str(markup))


def test_ticks_are_round_steps_that_cover_the_values() -> None:
    assert ticks(0, 1620) == [0, 500, 1000, 1500, 2000]
    assert ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert ticks(-50, 100) == [-50, 0, 50, 100]


def test_ticks_of_nothing_but_zero_still_make_an_axis_of_whole_units() -> None:
    assert ticks(0, 0) == [0, 1]
    assert ticks(0, 0.3) == [0, 1]


def test_a_bar_chart_is_well_formed_svg_with_a_title_and_a_description_for_screen_readers() -> None:
    svg = bars(("Non échu", Decimal("10")), ("> 90 j", Decimal("20")))

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "essai-titre essai-desc"
    assert svg.find(f"{SVG}title").text == "Titre <b>"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "Desc & co"  # type: ignore[union-attr]


def test_bar_chart_text_is_escaped_never_markup() -> None:
    markup = bar_chart(
        [("<script>alert(1)</script>", Decimal(5))], ident='x" onload="y', title="t", description="d",
        label=euros, axis=euros,
    )  # fmt: skip

    assert isinstance(markup, Markup)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert 'onload="y"' not in markup
    ElementTree.fromstring(str(markup))


def test_bars_are_drawn_to_scale_from_the_zero_line() -> None:
    svg = bars(("a", Decimal("50")), ("b", Decimal("100")), ("c", Decimal("0")))

    rects = svg.findall(f"{SVG}rect")
    heights = [float(r.get("height", "")) for r in rects]
    bottoms = {round(float(r.get("y", "")) + float(r.get("height", "")), 1) for r in rects}
    assert len(rects) == 3
    assert heights[1] == 2 * heights[0] and heights[2] == 0
    assert len(bottoms) == 1  # every bar stands on the same zero line


def test_each_bar_says_its_value_and_its_label() -> None:
    svg = bars(("1–30 j", Decimal("1234.5")))

    texts = ["".join(t.itertext()) for t in svg.findall(f"{SVG}text")]
    assert "1234.5 €" in texts and "1–30 j" in texts
    assert svg.find(f"{SVG}rect/{SVG}title").text == "1–30 j : 1234.5 €"  # type: ignore[union-attr]


def test_no_chart_carries_a_style_attribute_or_a_script() -> None:
    for svg in (bars(("a", Decimal(1))), lines(Series("s", [Decimal(1), None, Decimal(3)]))):
        for element in svg.iter():
            assert "style" not in element.attrib
            assert not element.tag.endswith("script")


def test_a_missing_value_breaks_the_line_and_has_no_dot() -> None:
    svg = lines(Series("payées sous 15 jours", [Decimal(10), None, Decimal(30)]))

    assert svg.findall(f"{SVG}polyline") == []  # two stretches of one point each: nothing to join
    assert len(svg.findall(f"{SVG}circle")) == 2

    joined = lines(Series("s", [Decimal(10), Decimal(20), None]))
    assert len(joined.findall(f"{SVG}polyline")) == 1
    assert len(joined.find(f"{SVG}polyline").get("points", "").split()) == 2  # type: ignore[union-attr]


def test_a_higher_value_is_drawn_higher_up() -> None:
    svg = lines(Series("s", [Decimal(10), Decimal(50), Decimal(30)]))

    ys = [float(c.get("cy", "")) for c in svg.findall(f"{SVG}circle")]
    assert ys[1] < ys[2] < ys[0] < HEIGHT


def test_a_percentage_axis_goes_up_to_its_span_and_is_titled() -> None:
    svg = lines(Series("s", [Decimal(10), Decimal(20), Decimal(30)]), span=(0, 100))

    texts = ["".join(t.itertext()) for t in svg.findall(f"{SVG}text")]
    assert "100 %" in texts and "0 %" in texts
    assert "% des relances" in texts


def test_labels_may_hold_a_second_line_and_every_series_is_in_the_legend() -> None:
    svg = lines(Series("DSO moyen", [Decimal(1)] * 3), Series("DSO par épuisement", [Decimal(2)] * 3))

    first = next(t for t in svg.findall(f"{SVG}text") if (t.text or "").startswith("janv."))
    assert first.find(f"{SVG}tspan").text == "2026"  # type: ignore[union-attr]
    texts = ["".join(t.itertext()) for t in svg.findall(f"{SVG}text")]
    assert "DSO moyen" in texts and "DSO par épuisement" in texts
    colours = {p.get("stroke") for p in svg.findall(f"{SVG}polyline")}
    assert len(colours) == 2
