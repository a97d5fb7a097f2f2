from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of
from acogida.core.errors import FieldError, InvalidInput, NotFound

from . import exports, flows, people_export, planning, selectors, services, tables
from .filters import parse
from .models import FlowKind
from .schemas import FiltersIn

router = AccessRouter(tags=["statistics"])

Count = int | str  # a count of people; 1 to 4 is "<5"


class SummaryOut(Schema):
    total: Count
    as_of: date
    sex: dict[str, Count]
    age_band: dict[str, Count]
    nationality: dict[str, Count]
    household_size: dict[str, Count]


@router.get("/stats/summary", response=SummaryOut)
@action("stats.read")
def stats_summary(request: HttpRequest):
    """Head count and breakdowns by sex, age band, nationality and household size; no names.
    Counts of 1 to 4 people are "<5"."""
    return selectors.summary(actor=actor_of(request), user=user_of(request))


def _filters(request: HttpRequest, query: FiltersIn, what: str):
    filters = parse(query.dict())
    selectors.record_read(actor_of(request), what, filters)
    return filters


@router.get("/stats/registrations")
@action("stats.read")
def stats_registrations(request: HttpRequest, query: Query[FiltersIn]):
    """People registered per day and registration point; counts 1–4 are "<5"."""
    filters = _filters(request, query, "registrations")
    return selectors.registrations(user=user_of(request), filters=filters)


@router.get("/stats/shelters")
@action("stats.read")
def stats_shelters(request: HttpRequest, query: Query[FiltersIn]):
    """Occupancy against capacity per shelter (at the end of date_to, or now). With 1 to 4
    people staying, ``occupied`` is "<5" and ``percent`` is null (as is ``over_capacity`` of a
    shelter without capacity)."""
    filters = _filters(request, query, "shelters")
    return selectors.shelters(user=user_of(request), filters=filters)


@router.get("/stats/documents")
@action("stats.read")
def stats_documents(request: HttpRequest, query: Query[FiltersIn]):
    """Documents requested, handed over, revoked and verified, by kind."""
    filters = _filters(request, query, "documents")
    return selectors.documents(user=user_of(request), filters=filters)


@router.get("/stats/demographics")
@action("stats.read")
def stats_demographics(request: HttpRequest, query: Query[FiltersIn]):
    """Age–sex pyramid, nationalities and (non-sensitive) specific needs."""
    filters = _filters(request, query, "demographics")
    return selectors.demographics(user=user_of(request), filters=filters)


@router.get("/stats/flows")
@action("stats.read")
def stats_flows(request: HttpRequest, query: Query[FiltersIn]):
    """Flow counts per day with the range of sources, arrival groups' last known position and
    size, and the 7-day arrivals forecast (method stated)."""
    filters = _filters(request, query, "flows")
    return flows.flow_stats(user=user_of(request), filters=filters)


KINDS = "arrived (new arrivals that day), present (people counted at the place), " \
    "cumulative (a running total)"


class FlowIn(Schema):
    date: date
    kind: str = Field(FlowKind.ARRIVED.value, description=KINDS)
    place: str = Field(..., max_length=200)
    state: str = Field(..., max_length=100)
    source: str = Field(..., max_length=200,
                        description='e.g. "police count", "organisers", "UN estimate"')
    people_in: int = Field(0, ge=0, le=2**31 - 1)
    people_out: int = Field(0, ge=0, le=2**31 - 1)
    families: int | None = Field(None, ge=0, le=2**31 - 1)
    children: int | None = Field(None, ge=0, le=2**31 - 1)
    group: int | None = Field(None, ge=1, le=2**31 - 1, description="arrival group id")
    notes: str = Field("", max_length=500)


class FlowOut(Schema):
    id: int
    date: date
    kind: str
    place: str
    state: str
    group: str | None
    people_in: int
    people_out: int
    families: int | None
    children: int | None
    source: str
    notes: str
    recorded_by: str


def _flow_out(flow) -> dict:
    return {"id": flow.pk, "date": flow.date, "kind": flow.kind, "place": flow.place,
            "state": flow.state,
            "group": flow.arrival_group.name if flow.arrival_group else None,
            "people_in": flow.people_in, "people_out": flow.people_out,
            "families": flow.families, "children": flow.children, "source": flow.source,
            "notes": flow.notes, "recorded_by": flow.recorded_by_name}


@router.post("/flows", response={201: FlowOut})
@action("flows.write")
def create_flow(request: HttpRequest, payload: FlowIn):
    """Record one source's count at a place on a day; other sources' counts are kept."""
    flow = services.record_flow_count(actor=actor_of(request), user=user_of(request),
                                      **payload.dict())
    return Status(201, _flow_out(flow))


class FlowPageIn(FiltersIn):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(flows.PAGE_SIZE, ge=1, le=flows.MAX_PAGE_SIZE)


class FlowPageOut(Schema):
    total: int
    page: int
    page_size: int
    has_next: bool
    items: list[FlowOut]


@router.get("/flows", response=FlowPageOut)
@action("stats.read")
def list_flows(request: HttpRequest, query: Query[FlowPageIn]):
    """Flow counts, oldest first, a page at a time (``total`` counts them all)."""
    filters = _filters(request, query, "flows.list")
    items, total = flows.list_flows(user=user_of(request), filters=filters, page=query.page,
                                    page_size=query.page_size)
    return {"total": total, "page": query.page, "page_size": query.page_size,
            "has_next": query.page * query.page_size < total,
            "items": [_flow_out(f) for f in items]}


@router.get("/planning/sphere")
@action("stats.read")
def sphere_needs(request: HttpRequest, population: int = 0):
    """What ``population`` people need by the Sphere ratios, each with its ratio and source."""
    if population < 0 or population > 10_000_000:
        raise InvalidInput(_("The population is not valid."),
                           [FieldError("population", _("From 0 to 10,000,000."))])
    return planning.sphere_needs(user=user_of(request), population=population)


class RatioIn(Schema):
    per_person: float | None = Field(None, gt=0)
    people_per_unit: int | None = Field(None, gt=0)
    source: str | None = Field(None, max_length=300)
    note: str | None = Field(None, max_length=300)


@router.patch("/planning/sphere/{key}")
@action("planning.write")
def update_ratio(request: HttpRequest, key: str, payload: RatioIn):
    """Change a planning ratio (with its source); the change is audited."""
    from decimal import Decimal

    values = payload.dict()
    if values["per_person"] is not None:
        values["per_person"] = Decimal(str(values["per_person"]))
    services.update_sphere_standard(actor=actor_of(request), user=user_of(request), key=key,
                                    **values)
    return planning.sphere_needs(user=user_of(request), population=0)


@router.get("/planning/sites")
@action("stats.read")
def site_gaps(request: HttpRequest, query: Query[FiltersIn]):
    """Each shelter's needs (people staying now, and the 7-day forecast) against what it has.
    Where 1 to 4 people stay (now or forecast), ``required``, ``shortfall`` and ``met`` are
    null and ``suppressed`` is true: they would give the count away."""
    filters = _filters(request, query, "sites")
    return planning.site_gaps(user=user_of(request), filters=filters)


FORMATS = {".hxl.csv": ("text/csv; charset=utf-8", tables.to_hxl_csv),
           ".csv": ("text/csv; charset=utf-8", tables.to_csv),
           ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     tables.to_xlsx)}


def split_filename(filename: str) -> tuple[str, str]:
    for suffix in FORMATS:
        topic = filename.removesuffix(suffix)
        if topic != filename and topic in exports.TOPICS:
            return topic, suffix
    raise NotFound(_("No such export: use {topic}.csv, .xlsx or .hxl.csv with a topic among "
                     "%(topics)s.") % {"topics": ", ".join(exports.TOPICS)})


class PeopleExportIn(Schema):
    purpose: str = Field(..., max_length=people_export.MAX_PURPOSE,
                         description="what the list is for (at least 10 characters; audited)")
    password: str = Field(..., max_length=people_export.MAX_PASSWORD,
                          description="the zip's password (at least 12 characters; not kept)")


@router.post("/exports/people", url_name="export_people")
@action("export.person_level")
def export_people(request: HttpRequest, payload: PeopleExportIn):
    """Administrators only: every registered person (registration number, names, sex, date of
    birth, nationality, registration point, household and relationship; no needs, health or
    asylum) as ``people.csv`` inside an AES-256 encrypted zip under the password given. The
    export is audited with its purpose and the number of people."""
    archive, _count = people_export.export_people(
        actor=actor_of(request), user=user_of(request), purpose=payload.purpose,
        password=payload.password)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="acogida-people.zip"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/exports/{filename}", url_name="export")
@action("stats.read")
def export(request: HttpRequest, filename: str, query: Query[FiltersIn]):
    """An aggregate table as CSV, XLSX or HXL-tagged CSV (second header row of hashtags); counts
    1–4 are "<5". Topics: registrations, demographics, shelters, flows, sites, claims (needs
    ``claim.stats``) and plan (needs ``plan.stats``). The flows export refuses (422) more than
    100,000 rows rather than cut them."""
    topic, suffix = split_filename(filename)
    filters = parse(query.dict())
    content_type, render = FORMATS[suffix]
    table = exports.table(topic, user=user_of(request), filters=filters)
    selectors.record_read(actor_of(request), f"export.{topic}", filters, format=suffix)
    response = HttpResponse(render(table), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="acogida-{topic}{suffix}"'
    return response


class DailyIn(Schema):
    date: str | None = Field(None, description="YYYY-MM-DD (default: today)")
    lang: str = Field("es", description="es or en")


@router.get("/reports/daily.pdf")
@action("stats.read")
def daily_report(request: HttpRequest, query: Query[DailyIn]):
    """The daily situation report as a PDF, in Spanish or English."""
    from . import report

    day, lang = report.parse_options(query.date, query.lang)
    pdf = report.daily_pdf(actor=actor_of(request), user=user_of(request), day=day, lang=lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="acogida-daily-{day}-{lang}.pdf"'
    return response
