"""A claim's states and the moves between them: plain data, no database.

intake → lodged → interview_scheduled → interviewed → decision_pending →
recognised | complementary_protection | rejected → appeal_lodged → appeal_decided,
plus withdrawn and abandoned from any open state. An interview may be rescheduled, and a
decision may come without an interview (COMAR decides some files on the papers).
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
    COMPLEMENTARY_PROTECTION: (APPEAL_LODGED,),
    REJECTED: (APPEAL_LODGED,),
    APPEAL_LODGED: (APPEAL_DECIDED, WITHDRAWN),
    APPEAL_DECIDED: (),
    WITHDRAWN: (),
    ABANDONED: (),
}
FINAL = frozenset(state for state, moves in MOVES.items() if not moves)
# a decision that can still be appealed keeps the file on the worklist until the window closes
OPEN = frozenset(STATES) - FINAL

APPEAL_OUTCOMES = ("upheld", "overturned", "remitted")


def allowed(current: str, target: str) -> bool:
    return target in MOVES.get(current, ())
