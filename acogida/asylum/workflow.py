"""A claim's states and the moves between them: plain data, no database.

intake → lodged → interview_scheduled → interviewed → decision_pending →
recognised | complementary_protection | rejected → appeal_lodged → appeal_decided,
plus withdrawn and abandoned from any open state. An interview may be rescheduled, a decision
may come without an interview (COMAR decides some files on the papers), and an appeal that sends
the file back (``remitted``) returns it to ``decision_pending``.

A refusal (``rejected``, or ``complementary_protection``, which refuses refugee status) stays open
while it can still be appealed; once the appeal window has closed unused, the file is closed
(``is_open``), so the person may claim again.
"""

INTAKE = "intake"
LODGED = "lodged"
INTERVIEW_SCHEDULED = "interview_scheduled"
INTERVIEWED = "interviewed"
DECISION_PENDING = "decision_pending"
RECOGNISED = "recognised"
COMPLEMENTARY_PROTECTION = "complementary_protection"
REJECTED = "rejected"
APPEAL_LODGED = "appeal_lodged"
APPEAL_DECIDED = "appeal_decided"
WITHDRAWN = "withdrawn"
ABANDONED = "abandoned"

STATES = (INTAKE, LODGED, INTERVIEW_SCHEDULED, INTERVIEWED, DECISION_PENDING, RECOGNISED,
          COMPLEMENTARY_PROTECTION, REJECTED, APPEAL_LODGED, APPEAL_DECIDED, WITHDRAWN,
          ABANDONED)
DECISIONS = (RECOGNISED, COMPLEMENTARY_PROTECTION, REJECTED)
_LEAVE = (WITHDRAWN, ABANDONED)

MOVES: dict[str, tuple[str, ...]] = {
    INTAKE: (LODGED, *_LEAVE),
    LODGED: (INTERVIEW_SCHEDULED, DECISION_PENDING, *_LEAVE),
    INTERVIEW_SCHEDULED: (INTERVIEW_SCHEDULED, INTERVIEWED, *_LEAVE),
    INTERVIEWED: (DECISION_PENDING, *DECISIONS, *_LEAVE),
    DECISION_PENDING: (*DECISIONS, *_LEAVE),
    RECOGNISED: (),
    # complementary protection refuses refugee status, which may be appealed
    COMPLEMENTARY_PROTECTION: (APPEAL_LODGED, *_LEAVE),
    REJECTED: (APPEAL_LODGED, *_LEAVE),
    APPEAL_LODGED: (APPEAL_DECIDED, WITHDRAWN),
    # only when the appeal sent the file back for a new decision (services check the outcome)
    APPEAL_DECIDED: (DECISION_PENDING,),
    WITHDRAWN: (),
    ABANDONED: (),
}
FINAL = frozenset(state for state, moves in MOVES.items() if not moves)
REFUSALS = (REJECTED, COMPLEMENTARY_PROTECTION)

APPEAL_OUTCOMES = ("upheld", "overturned", "remitted")


def allowed(current: str, target: str, appeal_outcome: str = "") -> bool:
    if current == APPEAL_DECIDED and target == DECISION_PENDING:
        return appeal_outcome == "remitted"
    return target in MOVES.get(current, ())


def is_open(status: str, *, appeal_outcome: str = "", appeal_window_closed: bool = False) -> bool:
    """Whether the file still needs work: the worklist, the counts and the one-open-claim rule
    go by this."""
    if status in FINAL:
        return False
    if status == APPEAL_DECIDED:
        return appeal_outcome == "remitted"
    if status in REFUSALS:
        return not appeal_window_closed
    return True
