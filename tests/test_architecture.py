"""The rules of docs/architecture.md, checked on the source: imports point one way and form no cycle,
modules and functions stay short, wiring is explicit (no module state set after import, nothing imported
for its side effects), and only storage/clock.py reads the wall clock."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.support.source import cycles, import_graph, modules

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 80
FORBIDDEN = {
    "handlers": {"telegram", "discord", "bot"},
    "engines": {"telegram", "discord", "bot", "handlers", "insights"},
    "insights": {"telegram", "discord", "bot", "handlers"},
    "storage": {"telegram", "discord", "bot", "handlers", "insights", "engines"},
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


# Data migrations apply today's rules (scrubbing) to old rows: they may use the text engines.
EXEMPT = {ROOT / "storage" / "migrations" / "versions" / "0006_rescrub.py": {"engines"}}


def test_import_direction():
    bad = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            hit = imported_roots(path) & (forbidden - EXEMPT.get(path, set()))
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

def test_no_import_cycles_between_files():
    """Computed from the source (imports under `if TYPE_CHECKING:` are annotations, not left out)."""
    assert cycles(import_graph(modules())) == []


def test_modules_and_functions_stay_short():
    """Nothing over 400 lines, no function over 80 (migrations excepted): one idea a module."""
    long_modules, long_functions = [], []
    for m in modules():
        if m.is_migration:
            continue
        lines = len(m.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            long_modules.append(f"{m.rel}: {lines}")
        for node in ast.walk(m.tree()):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{m.rel}:{node.lineno} {node.name}: {length}")
    assert (long_modules, long_functions) == ([], [])


def test_no_module_state_is_set_after_import():
    """Wiring is explicit: no `global` rebinds a module variable, and no decorator registers a function
    into a module-level object of ours (features export values; bot/app.py assembles them). Click's
    command groups are the one accepted exception: the CLI is a tree of commands by its nature."""
    ours = {m.name for m in modules()}
    found = []
    for m in modules():
        tree = m.tree()
        module_objects = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                          if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found.append(f"{m.rel}:{node.lineno} global {', '.join(node.names)}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for deco in node.decorator_list:
                    target = deco.func if isinstance(deco, ast.Call) else deco
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                            and target.value.id in module_objects and not m.name.startswith("bot.cli"):
                        found.append(f"{m.rel}:{node.lineno} @{target.value.id}.{target.attr}")
    assert ours and found == []


def test_nothing_is_imported_for_its_side_effects():
    """An import the module never uses (kept with `noqa: F401`) would hide wiring; re-exports say so
    with `__all__` instead."""
    found = [f"{m.rel}:{n}" for m in modules() for n, line in enumerate(m.path.read_text().splitlines(), 1)
             if "import " in line and "noqa: F401" in line and not m.is_migration]
    assert found == []


def test_bench_imports_no_test_code():
    """Benchmarks stand alone (they may read the labelled data in tests/data, not import tests)."""
    found = [f"{p.relative_to(ROOT)}" for p in (ROOT / "bench").rglob("*.py") if "tests" in imported_roots(p)]
    assert found == []


# The outbox has one writer: only storage/outbox.py inserts outbox rows.
OUTBOX_WRITER = ROOT / "storage" / "outbox.py"


def outbox_inserts(path: Path) -> list[int]:
    """Lines that insert into the outbox: an insert(…OutboxMessage…) or an OutboxMessage(…) row object."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = ast.unparse(node.func)
        args = " ".join(ast.unparse(a) for a in node.args)
        if func == "OutboxMessage" or ("insert" in func.lower() and "OutboxMessage" in args):
            hits.append(node.lineno)
    return hits


def test_only_storage_outbox_writes_outbox_rows():
    others = [f"{p.relative_to(ROOT)}:{line}"
              for pkg in ("bot", "handlers", "engines", "insights", "storage", "content")
              for p in (ROOT / pkg).rglob("*.py") if p != OUTBOX_WRITER and "migrations" not in p.parts
              for line in outbox_inserts(p)]
    assert others == []


def test_the_check_sees_the_writer():
    assert len(outbox_inserts(OUTBOX_WRITER)) == 2  # enqueue and enqueue_selected
