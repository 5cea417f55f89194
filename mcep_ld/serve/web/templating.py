"""Pages from Jinja2 templates (``serve/web/templates/``), which an operator can override: a template of the same
name in ``templates_dir`` wins over the bundled one, and a file in ``static_dir`` over the bundled static file
of the same path, so the Convention's own look goes on the hub without touching its code. An operator's
template may extend the bundled one of the same name as ``bundled/NAME`` (``{% extends "bundled/base.html" %}``,
then fill the blocks ``head``, ``header``, ``content`` or ``footer``).

Templates are autoescaped. Every template sees the page's ``lang`` and ``direction``, ``_`` (a message in the
page's language: ``{{ _("search") }}``), ``link``, ``number``, ``date_text`` and ``datetime_text``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from starlette.staticfiles import StaticFiles

from mcep_ld.messages import message

BUNDLED_TEMPLATES = Path(__file__).parent / "templates"
BUNDLED_STATIC = Path(__file__).parent / "static"


@functools.cache
def environment(templates_dir: str = "") -> jinja2.Environment:
    """The template environment: the operator's folder first (when set), then the bundled templates."""
    folders = [templates_dir] if templates_dir else []
    # "bundled/base.html" always names the hub's own, so an operator's base.html can extend it
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader([*folders, str(BUNDLED_TEMPLATES)]),
                                  jinja2.PrefixLoader({"bundled": jinja2.FileSystemLoader(str(BUNDLED_TEMPLATES))})])
    env = jinja2.Environment(loader=loader,
                             autoescape=jinja2.select_autoescape(["html"], default=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    from mcep_ld.serve.web.layout import date_text, datetime_text, link, number  # the layout imports this module

    env.globals.update(link=link, number=number, date_text=date_text, datetime_text=datetime_text)
    return env


def render_template(templates_dir: str, name: str, lang: str, **context: object) -> str:
    """Template *name* rendered in *lang*, with the globals every page has."""
    template = environment(templates_dir).get_template(name)
    return template.render(lang=lang, _=lambda key: message(key, lang), **context)


class LayeredStaticFiles(StaticFiles):
    """Static files from the operator's folder first, then the bundled ones (``/static/hub.css`` replaced by
    the operator's, everything else still served)."""

    def __init__(self, *, override: str = "") -> None:
        super().__init__(directory=BUNDLED_STATIC)
        if override:
            self.all_directories = [Path(override), *self.all_directories]
