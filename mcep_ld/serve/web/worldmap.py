"""A world map drawn on the server: each country a link to its profile, coloured by how many records name it.

The boundaries are Natural Earth's 1:110m countries as the ``world-atlas`` npm package publishes them
(``maps/``, TopoJSON, ids are ISO 3166-1 numeric codes), projected with the Equal Earth projection (Šavrič,
Patterson and Jenny, 2018: equal-area, so a large country does not look like more records). At this scale
small island States have no shape: the table beside the map lists every country with records, and is what a
screen reader reads. Shapes are decoded and projected once per process.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from mcep_ld.serve.web.layout import esc

SKOS = "http://www.w3.org/2004/02/skos/core#"
MAP_FILE = Path(__file__).parent / "maps" / "countries-110m.json"
#: The map's width in SVG units; its height follows from the projection's aspect.
WIDTH = 960
#: Records per country at which each colour class starts (class 0: none).
CLASSES = (1, 2, 5, 10, 25)

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_X_MAX, _Y_MAX = 2.7066297319215575, 1.3173627591574133  # the projection's extent at ±180°, ±90°
HEIGHT = round(WIDTH * _Y_MAX / _X_MAX)


def _project(lon: float, lat: float) -> tuple[int, int]:
    """Equal Earth, scaled to the map: (0, 0) top left."""
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    slope = 3 * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2))
    x = 2 * math.sqrt(3) * math.radians(lon) * math.cos(theta) / slope
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    scale = WIDTH / (2 * _X_MAX)
    return round((x + _X_MAX) * scale), round((_Y_MAX - y) * scale)


#: Shapes not drawn: Antarctica (a ring around the pole, and no party's records).
NOT_DRAWN = {"010"}


@lru_cache(maxsize=1)
def shapes() -> dict[str, str]:
    """ISO 3166-1 numeric code → the SVG path of the country."""
    topo = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:  # delta-encoded, quantised positions
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    paths = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        code = geometry.get("id")
        if not code or code in NOT_DRAWN or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        rings = []
        for ring in (r for polygon in polygons for r in polygon):
            points: list[tuple[float, float]] = []
            for index in ring:  # a negative index is the arc ~index, reversed
                arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                points.extend(arc[1:] if points else arc)
            rings += [_path(r) for r in _across_the_antimeridian(points)]
        paths[code] = "".join(r for r in rings if r)
    return paths


def _across_the_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses ±180° (eastern Russia, Fiji) made continuous past the edge, and drawn again a
    turn of the globe away: each copy is clipped by the map's frame."""
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        lon += 360 * round((previous - lon) / 360)
        unwrapped.append((lon, lat))
    low, high = min(p[0] for p in unwrapped), max(p[0] for p in unwrapped)
    copies = [unwrapped]
    if high > 180:
        copies.append([(lon - 360, lat) for lon, lat in unwrapped])
    if low < -180:
        copies.append([(lon + 360, lat) for lon, lat in unwrapped])
    return copies


def _path(ring: list[tuple[float, float]]) -> str:
    projected = [_project(lon, lat) for lon, lat in ring]
    kept = [p for i, p in enumerate(projected) if i == 0 or p != projected[i - 1]]
    return "M" + "L".join(f"{x},{y}" for x, y in kept) + "Z" if len(kept) > 2 else ""


@lru_cache(maxsize=1)
def outline() -> str:
    """The edge of the projected globe (the ±180° meridians): what is drawn is clipped to it."""
    east = [_project(180, lat) for lat in range(-90, 91, 5)]
    west = [_project(-180, lat) for lat in range(90, -91, -5)]
    return "M" + "L".join(f"{x},{y}" for x, y in east + west) + "Z"


def colour_class(count: int) -> int:
    return sum(count >= start for start in CLASSES)


def svg(countries: list[tuple[str, str, str, int | str]], *, caption_id: str) -> str:
    """The map: (numeric code, title, link, records or a class) per country, the title what the country's link
    is called (its name and count, in the reader's language); a count is coloured on the sequential scale
    (a country without records drawn plain), a class (``answer-yes``) as the stylesheet says."""
    drawn = shapes()
    links = []
    for code, title, href, value in countries:
        if code not in drawn:
            continue
        css = value if isinstance(value, str) else f"c{colour_class(value)}"
        # the link's own <title> is its accessible name (and the tooltip)
        links.append(f'<a href="{esc(href)}"><title>{esc(title)}</title>'
                     f'<path d="{drawn[code]}" class="{esc(css)}"/></a>')
    return (f'<svg class="worldmap" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-labelledby="{caption_id}"'
            f' preserveAspectRatio="xMidYMid meet"><clipPath id="earth"><path d="{outline()}"/></clipPath>'
            f'<path class="sphere" d="{outline()}"/><g clip-path="url(#earth)">{"".join(links)}</g></svg>')


def numeric_codes(vocab, base_uri: str) -> dict[str, str]:  # noqa: ANN001 - the Vocabulary
    """ISO 3166-1 numeric code (the map's ids) → the country concept carrying it as a notation."""
    prefix = f"{base_uri}vocab/country/"
    return {o.value: concept for concept, notations in vocab.objects(f"{SKOS}notation").items()
            if concept.startswith(prefix)
            for o in notations if o.datatype is not None and o.datatype.value.endswith("ISO3166Numeric")}
