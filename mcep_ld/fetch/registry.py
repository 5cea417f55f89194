"""The harvesters installed, by name: the ``mcep_ld.harvesters`` entry-point group.

Entry points keep the hub free of imports of the ``harvesters`` package (which imports the hub's contract),
and let another distribution add a source without editing the hub: it declares, in its ``pyproject.toml``,
``[project.entry-points."mcep_ld.harvesters"] mysource = "mypackage.harvester:MyHarvester"``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from mcep_ld.config import Settings, UsageError, check_source_name
from mcep_ld.fetch.contract import Harvester
from mcep_ld.fetch.http import HttpClient

GROUP = "mcep_ld.harvesters"


def harvester_names() -> list[str]:
    """The names of the installed harvesters, sorted."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def harvester_class(name: str) -> type[Harvester]:
    """The harvester class registered as *name*; KeyError names the known ones."""
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(harvester_names())}")
    return next(iter(found)).load()


def source_class(settings: Settings, source: str, *, name: str | None = None) -> type[Harvester]:
    """The harvester class of *source*: the ``harvester`` of its settings (``[sources.NAME]``, NAME being *name*
    where the run names it, else *source*), else the one called *source* (``[sources.wedocs] harvester = "oai"``
    names a repository; so does ``mcep harvest oai --name wedocs``). UsageError for an unknown one."""
    named = settings.source(name or source)["harvester"]
    try:
        return harvester_class(named or source)
    except KeyError as exc:
        if not named and (name or source) in settings.sources:  # configured, but no harvester said which
            raise UsageError(f"[sources.{name or source}] names no harvester: add harvester = one of "
                             f"{', '.join(harvester_names())} (or name the section after one)") from None
        raise UsageError(str(exc).strip("'\"")) from None


def make_harvester(settings: Settings, source: str, endpoint: str | None = None, *,
                   options: dict[str, str] | None = None) -> Harvester:
    """The harvester of *source* as configured (``[sources.NAME]``), its endpoint overridden by *endpoint*.

    *options* go to the harvester, which names those it takes (``Harvester.options``); ``name`` is also the
    source's name in the catalog and the configuration. UsageError for what cannot be harvested as asked.
    """
    options = dict(options or {})
    cls = source_class(settings, source, name=options.get("name"))
    if extra := sorted(set(options) - cls.options):
        takers = [n for n in harvester_names() if set(extra) <= harvester_class(n).options]
        raise UsageError(f"{', '.join(extra)}: not an option of the {cls.name} source"
                         + (f"; options of the {', '.join(takers)} source" if takers else ""))
    if cls.name != source:  # a source configured with another's harvester ([sources.wedocs] harvester = "oai")
        options["name"] = source
    conf = settings.source(options.get("name", source))
    name = options.get("name", source)
    check_source_name(name)
    url = endpoint or conf["endpoint"]
    if not url:
        raise UsageError(f"no endpoint for {name}: pass --endpoint or set sources.{name}.endpoint")
    try:
        return cls.from_settings(settings, name=name, endpoint=url, options=options,
                                 client=HttpClient.from_settings(settings, source=name))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
