"""Spans of a text to replace: one secret's ``(start, end, rule)``, kept without overlaps, applied with
Sentry ``_meta`` remarks (the scanners of :mod:`framecap.textscan` and :mod:`framecap.echo` make them)."""

from __future__ import annotations

from typing import Any

__all__ = ["NOTHING", "WEAK_EVIDENCE", "Span", "apply_spans", "resolve"]

Span = tuple[int, int, str]
#: Appended to a span's rule when only a weak name found it: the echo pass then wants a random value.
#: Never written to ``_meta`` (:func:`apply_spans` drops it).
WEAK_EVIDENCE = "~"
#: What a text without secrets scans to: one shared empty result, so "clean" is an identity test.
NOTHING: list[Span] = []  # never appended to


def resolve(spans: list[Span]) -> list[Span]:
    if len(spans) < 2:
        return spans
    spans.sort(key=lambda span: (span[0], -span[1]))
    out: list[Span] = []
    last = -1
    for span in spans:
        if span[0] >= last:
            out.append(span)
            last = span[1]
        elif span[1] > last and out:  # overlapping and longer: extend the kept span over it
            kept = out[-1]
            out[-1] = (kept[0], span[1], kept[2])
            last = span[1]
    return out


def apply_spans(text: str, spans: list[Span], marker: str) -> tuple[str, list[list[Any]]]:
    """``text`` with each span replaced by ``marker``, and Sentry ``rem`` entries for the replacements."""
    pieces: list[str] = []
    removed: list[list[Any]] = []
    last = position = 0
    for start, end, rule in spans:
        pieces.append(text[last:start])
        position += start - last
        pieces.append(marker)
        removed.append([f"framecap:{rule.rstrip(WEAK_EVIDENCE)}", "s", position, position + len(marker)])
        position += len(marker)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), removed
