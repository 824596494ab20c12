"""Exports from the dashboard: choose what, which period and format; the file is written by the same
export code as `samtale export` and /export (pseudonymised, hidden reflections left out) and every
download is in the audit log with who and when."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from starlette.responses import RedirectResponse, Response, StreamingResponse

from bot.facilitator_reports import CHOICES, chat_period
from bot.web.auth import FACILITATOR, Call, Page
from handlers.facilitator import FORMATS, KINDS
from insights.exports.run import write_export
from insights.exports.spec import ExportSpec, validate
from insights.exports.writers import MIME
from storage.audit_models import EXPORT, record

CHUNK = 1 << 16


def exports(call: Call) -> Response:
    options = {"kinds": [(k, call.t(f"facilitator.export.kind_{k}")) for k in KINDS],
               "periods": [(p, call.t(f"facilitator.export.period_{p}")) for p in CHOICES],
               "formats": [(f, call.t(f"facilitator.export.format_{f}")) for f in FORMATS]}
    error = call.t("dashboard.exports.bad_choice") if call.request.query_params.get("error") else None
    return call.render("exports.html", error=error, **options)


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    try:
        while block := fh.read(CHUNK):
            yield block
    finally:
        fh.close()


def download(call: Call) -> Response:
    assert call.viewer is not None
    kind, choice, fmt = (call.form.get(name, "") for name in ("kind", "period", "format"))
    if kind not in KINDS or choice not in CHOICES or fmt not in FORMATS:
        return RedirectResponse("/exports?error=1", status_code=303)
    first, last = chat_period(choice, call.now)
    spec = validate(ExportSpec(kind=kind, fmt=fmt, first_day=first, last_day=last,
                               every="week" if choice[1] in "wm" else "month"))
    settings = call.web.settings.insights
    spec.extra.update(k=settings.k, quotes_per_area=settings.quotes_per_area, terms=settings.emerging_terms)
    # Spooled: a small export stays in memory, a large one goes to a temporary file, never all in RAM.
    fh = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    written = write_export(call.db, spec, fh)
    name = f"samtale-{kind}-{first.isoformat()}-{last.isoformat()}.{fmt}"
    record(call.db, actor=call.viewer.actor, via="web", action=EXPORT, subject=kind, at=call.now, format=fmt,
           filters=spec.filters(), rows=written.rows, target="dashboard download")
    size = fh.tell()
    fh.seek(0)
    return StreamingResponse(_chunks(fh), media_type=MIME[fmt], headers={
        "content-disposition": f'attachment; filename="{name}"', "content-length": str(size)})


PAGES = (
    Page("/exports", exports, FACILITATOR),
    Page("/exports/download", download, FACILITATOR, ("POST",)),
)
