"""Imports point one way: handlers/, storage/ and content/ never import telegram, discord or bot."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "handlers": {"telegram", "discord", "bot"},
    "engines": {"telegram", "discord", "bot", "handlers", "insights"},
    "insights": {"telegram", "discord", "bot", "handlers"},
    "storage": {"telegram", "discord", "bot", "handlers"},
    "content": {"telegram", "discord", "bot", "handlers", "storage"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


# Data migrations apply today's rules (scrubbing) to old rows; that is their job.
EXEMPT = {ROOT / "storage" / "migrations" / "versions" / "0006_rescrub.py"}


def test_import_direction():
    bad = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            if path in EXEMPT:
                continue
            hit = imported_roots(path) & forbidden
            if hit:
                bad.append(f"{path.relative_to(ROOT)} imports {sorted(hit)}")
    assert bad == []


def test_only_platform_adapters_import_platform_libraries():
    bad = [str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py")
           if "platforms" not in p.parts and imported_roots(p) & {"telegram", "discord"}]
    assert bad == []


def test_every_module_has_a_docstring():
    missing = [str(p.relative_to(ROOT)) for pkg in ("bot", "handlers", "engines", "insights", "storage", "content")
               for p in (ROOT / pkg).rglob("*.py")
               if "versions" not in p.parts and not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


WALL_CLOCK = ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time(")


def test_only_the_one_clock_reads_the_wall_clock():
    """Code that decides by time takes a Clock (App.clock); storage/clock.py holds the only real one."""
    allowed = {ROOT / "storage" / "clock.py",
               ROOT / "bot" / "platforms" / "console.py"}  # a run id for message ids, not a time
    hits = [f"{p.relative_to(ROOT)}:{n}" for pkg in ("bot", "handlers", "engines", "insights", "storage", "content")
            for p in (ROOT / pkg).rglob("*.py") if p not in allowed
            for n, line in enumerate(p.read_text().splitlines(), 1) if any(w in line for w in WALL_CLOCK)]
    assert hits == []


# Where adapters get their own words (labels, command descriptions): producing text is fine there.
LOCALIZING = {"content.i18n": {"t", "translate", "catalog"},
              "bot.platforms.discord.strings": {"text", "command_name"}}
_TEXT_TESTS = {"startswith", "endswith", "removeprefix", "removesuffix", "find", "index", "count"}


class _LocalizedTextUse(ast.NodeVisitor):
    """Finds an adapter working out what a reply means from its words: a localized string compared
    with something, or a set/dict of translations (which exists only to look a text up in).

    Localized: a call of t/catalog (content.i18n), of Discord's own `text`, or of `ctx.t`; an item of
    one; a collection of them; or a name or attribute assigned one of those in the same module.
    """

    def __init__(self, tree: ast.AST) -> None:
        self.localizing = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                           for a in node.names if a.name in LOCALIZING.get(node.module or "", ())}
        self.bound: set[str] = set()
        # Bindings first, so a use above a module-level binding is still seen.
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and self.localized(node.value):
                self.bound |= {t.id if isinstance(t, ast.Name) else t.attr for t in node.targets
                               if isinstance(t, ast.Name | ast.Attribute)}
        self.hits: list[tuple[int, str]] = []

    def localized(self, node: ast.AST) -> bool:
        match node:
            case ast.Call(func=ast.Name(id=name)):
                return name in self.localizing
            case ast.Call(func=ast.Attribute(attr="t")):
                return True
            case ast.Call(func=ast.Attribute(attr="get", value=inner)) | ast.Subscript(value=inner):
                return self.localized(inner)
            case ast.Name(id=name) | ast.Attribute(attr=name):
                return name in self.bound
            case ast.SetComp(elt=elt) | ast.ListComp(elt=elt) | ast.GeneratorExp(elt=elt) | ast.DictComp(key=elt):
                return self.localized(elt)
            case ast.Set(elts=elts) | ast.List(elts=elts) | ast.Tuple(elts=elts) | ast.Dict(keys=elts):
                return any(e is not None and self.localized(e) for e in elts)
        return False

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(self.localized(side) for side in (node.left, *node.comparators)):
            self.hits.append((node.lineno, "compares with a localized string"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _TEXT_TESTS \
                and any(self.localized(a) for a in (func.value, *node.args)):
            self.hits.append((node.lineno, f"{func.attr}() with a localized string"))
        self.generic_visit(node)

    def _table(self, node: ast.SetComp | ast.DictComp | ast.Set | ast.Dict) -> None:
        if self.localized(node):
            self.hits.append((node.lineno, "a lookup table of localized strings"))
        self.generic_visit(node)

    visit_SetComp = visit_DictComp = visit_Set = visit_Dict = _table


def localized_text_uses(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    finder = _LocalizedTextUse(tree)
    finder.visit(tree)
    return sorted(set(finder.hits))


def test_the_localized_text_rule_sees_the_usual_shapes():
    bad = [
        "from content.i18n import t\nif reply.text == t(lang, 'common.stale_button'): pass",
        "from content.i18n import LANGUAGES, t\nSTALE = {t(l, 'common.stale_button') for l in LANGUAGES}",
        "from content.i18n import t as tr\nok = reply.text.startswith(tr('da', 'x'))",
        "if reply.text in {ctx.t('common.stale_button')}: pass",
        "from content.i18n import catalog\nwhat = {catalog(l)['k']: l for l in ('da', 'en')}",
        "from content.i18n import t\nstale = t('da', 'k')\nif reply.text != stale: pass",
        "from content.i18n import t\nnames = [t(l, 'k') for l in L]\nif reply.text not in names: pass",
    ]
    assert [s for s in bad if not localized_text_uses(s)] == []
    fine = [
        "from content.i18n import t\nlabel = t(lang, 'events.link.channel_signup')\nsend(label)",
        "from content.i18n import catalog\nlabel = catalog(lang).get('common.open_private_chat') or '💬'",
        "from bot.platforms.discord.strings import text\nrows.append([(text(lang, 'discord.open_dm'), 'dm:start')])",
        "if reply.kind is ReplyKind.STALE_BUTTON: pass",
    ]
    assert [s for s in fine if localized_text_uses(s)] == []


def test_adapters_never_work_out_a_reply_from_its_words():
    """The core says what a reply is (Reply.kind); an adapter that matched localized text would break
    with the next translation or rewording. Adapters may still produce their own words."""
    hits = [f"{p.relative_to(ROOT)}:{line}: {what}" for p in sorted((ROOT / "bot" / "platforms").rglob("*.py"))
            for line, what in localized_text_uses(p.read_text())]
    assert hits == []
