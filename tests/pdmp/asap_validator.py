"""An ASAP 4.2 file checker written apart from the writer (it imports nothing of lienrx).

It splits the file on the segment terminator declared in TH09 and on ``*``, then checks the
hierarchy ``TH IS PHA (PAT (DSP PRE CDI* AIR?)+)+ TP TT``, every mandatory element of the
layout the writer implements (compliance.md §3.2), the counts (TP01: PHA through TP; TT02:
TH through TT) and the control number (TT01 = TH02). ``validate`` returns the list of
problems; ``assert_valid`` fails a test with all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ELEMENTS = {"TH": 9, "IS": 3, "PHA": 13, "PAT": 22, "DSP": 21, "PRE": 8, "CDI": 6,
                "AIR": 11, "TP": 1, "TT": 2}
DATE = re.compile(r"^\d{8}$")
TIME = re.compile(r"^(\d{4}|\d{6})$")
NDC = re.compile(r"^\d{11}$")
NPI = re.compile(r"^\d{10}$")
DEA = re.compile(r"^[A-Z][A-Z9]\d{7}$")
INTEGER = re.compile(r"^\d+$")
QUANTITY = re.compile(r"^\d+(\.\d+)?$")
TWO_DIGITS = re.compile(r"^\d{2}$")
ZIP = re.compile(r"^\d{5}(\d{4})?$")
UNIT_CODES = {"01", "02", "03"}
STATUSES = {"00", "01", "02"}


@dataclass
class Segment:
    tag: str
    elements: list[str]
    position: int

    def get(self, n: int) -> str:
        """Element n (1-based); an element left off the end is empty."""
        return self.elements[n - 1] if n <= len(self.elements) else ""

    def name(self, n: int) -> str:
        return f"{self.tag}{n:02d} (segment {self.position})"


def parse(text: str) -> list[Segment]:
    """Split a file into segments: TH09 declares the terminator (the last TH element)."""
    if not text.startswith("TH*"):
        raise ValueError("the file does not start with a TH segment")
    header_end = text.index("~")
    terminator = text[header_end + 1]  # TH09 holds the terminator, which then ends TH
    if terminator != "~":
        raise ValueError("TH09 does not declare '~' as the segment terminator")
    body = text[header_end + 2:]
    raw = [text[:header_end + 1]] + [part for part in body.split(terminator)]
    segments = []
    for position, chunk in enumerate(raw, start=1):
        chunk = chunk.strip("\r\n")
        if not chunk:
            continue
        tag, *elements = chunk.split("*")
        segments.append(Segment(tag, elements, position))
    return segments


def _need(problems: list[str], segment: Segment, n: int, pattern: re.Pattern[str] | None = None,
          allowed: set[str] | None = None) -> None:
    value = segment.get(n)
    if not value:
        problems.append(f"{segment.name(n)} is mandatory")
    elif pattern is not None and not pattern.match(value):
        problems.append(f"{segment.name(n)} {value!r} is malformed")
    elif allowed is not None and value not in allowed:
        problems.append(f"{segment.name(n)} {value!r} is not one of {sorted(allowed)}")


def _check_th(s: Segment, problems: list[str]) -> None:
    _need(problems, s, 1, allowed={"4.2", "4.2A", "4.2B"})
    _need(problems, s, 2)
    _need(problems, s, 3, allowed={"01"})
    _need(problems, s, 5, DATE)
    _need(problems, s, 6, TIME)
    _need(problems, s, 7, allowed={"P", "T"})


def _check_pha(s: Segment, problems: list[str]) -> None:
    if not (s.get(1) or s.get(2) or s.get(3)):
        problems.append(f"{s.name(1)}: one of NPI, NCPDP or DEA is mandatory")
    if s.get(1) and not NPI.match(s.get(1)):
        problems.append(f"{s.name(1)} is not a 10-digit NPI")
    if s.get(3) and not DEA.match(s.get(3)):
        problems.append(f"{s.name(3)} is not a DEA number")


def _check_pat(s: Segment, problems: list[str], zero: bool) -> None:
    if zero:
        return
    for n in (7, 8, 12, 14):
        _need(problems, s, n)
    _need(problems, s, 15, re.compile(r"^[A-Z]{2}$"))
    _need(problems, s, 16, ZIP)
    _need(problems, s, 18, DATE)
    _need(problems, s, 19, allowed={"F", "M", "U"})
    if len(s.get(12)) > 35:
        problems.append(f"{s.name(12)} is longer than 35 characters")


def _check_dsp(s: Segment, problems: list[str], zero: bool) -> None:
    if zero:
        _need(problems, s, 5, DATE)
        return
    _need(problems, s, 1, allowed=STATUSES)
    _need(problems, s, 2)
    _need(problems, s, 3, DATE)
    _need(problems, s, 4, INTEGER)
    _need(problems, s, 5, DATE)
    _need(problems, s, 6, INTEGER)
    _need(problems, s, 7, allowed={"01", "06"})
    if s.get(7) == "01":
        _need(problems, s, 8, NDC)
    else:
        _need(problems, s, 8)
    _need(problems, s, 9, QUANTITY)
    if s.get(9) and QUANTITY.match(s.get(9)) and float(s.get(9)) <= 0:
        problems.append(f"{s.name(9)} is not positive")
    _need(problems, s, 10, INTEGER)
    _need(problems, s, 11, allowed=UNIT_CODES)
    _need(problems, s, 12, TWO_DIGITS)
    _need(problems, s, 13, TWO_DIGITS)
    _need(problems, s, 16, TWO_DIGITS)
    if s.get(3) and s.get(5) and s.get(3) > s.get(5):
        problems.append(f"{s.name(3)} written after it was filled")


def _check_pre(s: Segment, problems: list[str], zero: bool) -> None:
    if zero:
        return
    _need(problems, s, 1, NPI)
    _need(problems, s, 2, DEA)
    _need(problems, s, 5)


def _check_cdi(s: Segment, problems: list[str], expected_sequence: int) -> None:
    _need(problems, s, 1, INTEGER)
    if s.get(1) and s.get(1) != str(expected_sequence):
        problems.append(f"{s.name(1)} is {s.get(1)}, expected {expected_sequence}")
    _need(problems, s, 2, allowed={"01"})
    _need(problems, s, 3, NDC)
    _need(problems, s, 5, QUANTITY)
    _need(problems, s, 6, allowed=UNIT_CODES)


class _Walker:
    """Walks the segments in order, checking the hierarchy as it goes."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments, self.i = segments, 0
        self.problems: list[str] = []

    def peek(self) -> str | None:
        return self.segments[self.i].tag if self.i < len(self.segments) else None

    def take(self, tag: str) -> Segment | None:
        if self.peek() != tag:
            where = self.segments[self.i].position if self.i < len(self.segments) else "end"
            self.problems.append(f"expected {tag} at segment {where}, found {self.peek()}")
            return None
        self.i += 1
        return self.segments[self.i - 1]


def validate(text: str) -> list[str]:
    """Every problem found in an ASAP 4.2 file (empty: the file is valid)."""
    try:
        segments = parse(text)
    except ValueError as exc:
        return [str(exc)]
    w = _Walker(segments)
    problems = w.problems
    for segment in segments:
        limit = MAX_ELEMENTS.get(segment.tag)
        if limit is None:
            problems.append(f"unknown segment {segment.tag!r} at {segment.position}")
        elif len(segment.elements) > limit:
            problems.append(f"{segment.tag} at {segment.position} has "
                            f"{len(segment.elements)} elements, at most {limit}")
    th = w.take("TH")
    if th:
        _check_th(th, problems)
    is_ = w.take("IS")
    if is_:
        _need(problems, is_, 1)
        _need(problems, is_, 2)
    pha_at = w.i
    pha = w.take("PHA")
    if pha:
        _check_pha(pha, problems)
    zero = any(s.tag == "PAT" and s.get(7) == "REPORT" and s.get(8) == "ZERO" for s in segments)
    patients = 0
    while w.peek() == "PAT":
        pat = w.take("PAT")
        assert pat is not None
        patients += 1
        _check_pat(pat, problems, zero)
        if w.peek() != "DSP":
            problems.append(f"PAT at {pat.position} has no DSP")
        while w.peek() == "DSP":
            dsp = w.take("DSP")
            assert dsp is not None
            _check_dsp(dsp, problems, zero)
            pre = w.take("PRE")
            if pre:
                _check_pre(pre, problems, zero)
            sequence = 0
            while w.peek() == "CDI":
                sequence += 1
                cdi = w.take("CDI")
                assert cdi is not None
                _check_cdi(cdi, problems, sequence)
            if not zero and dsp.get(7) == "06" and sequence == 0:
                problems.append(f"DSP at {dsp.position} is a compound (06) without CDI")
            if dsp.get(7) == "01" and sequence:
                problems.append(f"DSP at {dsp.position} has CDI but is not a compound")
            if w.peek() == "AIR":
                w.take("AIR")
    if patients == 0:
        problems.append("no PAT segment (a file with nothing to report is a zero report)")
    if zero and patients != 1:
        problems.append("a zero report has exactly one PAT")
    tp = w.take("TP")
    if tp:
        expected = w.i - pha_at
        if tp.get(1) != str(expected):
            problems.append(f"TP01 is {tp.get(1)!r}, but PHA through TP are {expected} segments")
    tt = w.take("TT")
    if tt and th:
        if tt.get(1) != th.get(2):
            problems.append(f"TT01 {tt.get(1)!r} differs from TH02 {th.get(2)!r}")
        if tt.get(2) != str(len(segments)):
            problems.append(f"TT02 is {tt.get(2)!r}, but the file has {len(segments)} segments")
    if w.i < len(segments):
        problems.append(f"segments after TT, from {segments[w.i].position}")
    return problems


def assert_valid(text: str) -> list[Segment]:
    """Fail with every problem, or return the parsed segments."""
    problems = validate(text)
    assert not problems, "ASAP file invalid:\n" + "\n".join(problems) + "\n\n" + text[:3000]
    return parse(text)
