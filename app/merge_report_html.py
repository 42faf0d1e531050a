"""A project merge's report as rich text for the lead: what came in, what matched, what was
left out and why."""

from __future__ import annotations

from html import escape

from coding.merge_report import (
    CODE_MATCHES,
    NOT_BROUGHT,
    SKIP_REASONS,
    DocumentMatch,
    MergeReport,
    SourceReport,
)

#: Names listed in full up to this many; beyond, the first ones and a count.
_LISTED = 12


def report_html(report: MergeReport) -> str:
    """The whole report: each coder's project, then what a merge leaves as it is here."""
    parts = [
        f"<p><b>{report.codings_added:,} coding{'s' if report.codings_added != 1 else ''} "
        f"added</b>, {report.codings_skipped:,} not added. "
        "Edit ▸ Undo takes the whole merge back.</p>"
    ]
    parts.extend(_source(source) for source in report.sources)
    notes = "".join(f"<li>{escape(note)}</li>" for note in NOT_BROUGHT)
    parts.append(f"<h3>Left as it is here</h3><ul>{notes}</ul>")
    if report.backup is not None:
        parts.append(
            f"<p class='muted'>A backup was made before the merge: {escape(str(report.backup))}</p>"
        )
    return "".join(parts)


def _source(source: SourceReport) -> str:
    items = [
        _codings(source),
        _documents(source),
        _codes(source),
        _coders(source),
        _memos(source),
        _cases(source),
    ]
    warnings = "".join(f"<li class='warn'>⚠ {escape(w)}</li>" for w in source.warnings)
    body = "".join(f"<li>{item}</li>" for item in items if item)
    return f"<h3>From {escape(source.name)}</h3><ul>{warnings}{body}</ul>"


def _codings(source: SourceReport) -> str:
    skipped = sum(source.codings_skipped.values())
    text = f"<b>Codings:</b> {source.codings_added:,} added"
    if source.codings_reanchored:
        text += f" ({source.codings_reanchored:,} placed by their text)"
    if not skipped:
        return text + "."
    reasons = "".join(
        f"<li>{count:,}: {escape(SKIP_REASONS[reason])}</li>"
        for reason, count in sorted(source.codings_skipped.items())
        if count
    )
    return f"{text}; {skipped:,} not added:<ul>{reasons}</ul>"


def _documents(source: SourceReport) -> str:
    matched = source.documents_matched
    ways = [
        (DocumentMatch.UUID, "by UUID"),
        (DocumentMatch.TEXT, "by identical text"),
        (DocumentMatch.NAME, "by name only"),
    ]
    how = ", ".join(f"{matched[key]} {words}" for key, words in ways if matched[key])
    text = f"<b>Documents:</b> {sum(matched.values())} matched" + (f" ({how})" if how else "")
    return text + f"; {len(source.documents_new)} new{_names(source.documents_new)}."


def _codes(source: SourceReport) -> str:
    matched = source.codes_matched
    how = ", ".join(
        f"{matched[key]} {words}" for key, words in CODE_MATCHES.items() if matched[key]
    )
    text = f"<b>Codes:</b> {sum(matched.values())} matched" + (f" ({how})" if how else "")
    text += f"; {len(source.codes_new)} new{_names(source.codes_new)}"
    if source.codes_skipped:
        text += f"; {len(source.codes_skipped)} left out{_names(source.codes_skipped)}"
    return text + "."


def _coders(source: SourceReport) -> str:
    parts = []
    if source.coders_matched:
        parts.append(f"{_plain(source.coders_matched)} already here")
    if source.coders_new:
        parts.append(f"{_plain(source.coders_new)} added")
    return f"<b>Coders:</b> {'; '.join(parts)}." if parts else ""


def _memos(source: SourceReport) -> str:
    if not source.memos_added and not source.memos_kept:
        return ""
    text = f"<b>Memos:</b> {source.memos_added} added"
    if source.memos_kept:
        text += (
            f"; this project's kept where theirs differs{_names(source.memos_kept, quoted=False)}"
        )
    return text + "."


def _cases(source: SourceReport) -> str:
    if not (
        source.cases_matched or source.cases_new or source.attributes_new or source.values_added
    ):
        return ""
    text = (
        f"<b>Cases:</b> {source.cases_matched} matched, {len(source.cases_new)} new"
        f"{_names(source.cases_new)}, {source.memberships_added} documents added to cases. "
        f"<b>Attributes:</b> {len(source.attributes_new)} new{_names(source.attributes_new)}, "
        f"{source.values_added} values added"
    )
    if source.values_kept:
        text += f", {source.values_kept} differing values kept as they are here"
    return text + "."


def _names(names: list[str], *, quoted: bool = True) -> str:
    if not names:
        return ""
    shown = [f"“{escape(n)}”" if quoted else escape(n) for n in names[:_LISTED]]
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return f": {', '.join(shown)}{more}"


def _plain(names: list[str]) -> str:
    return ", ".join(escape(name) for name in names)
