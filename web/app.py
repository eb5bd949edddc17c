"""The organizers' web dashboard: a server-rendered Starlette app over the bot's database and texts.

Doors: a one-time link from /dasbor or `ecoach web link` opens an 8-hour session (HttpOnly,
SameSite=Lax, Secure behind https). Every POST carries a CSRF token derived from the session token,
every page checks on each request what the viewer may see (an organizer every cohort, a coach hers),
and every view of an alumna's record is written to the audit log. Evidence is served only through a
per-session signature, so its address is never guessable nor usable by anyone else.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.kernel.clock import Clock
from bot.kernel.i18n import Texts
from bot.kernel.settings import LOCALES, Settings
from db.access import rotate_codes
from db.audit import record
from db.cells import file_slug
from db.cohorts import edit_cohort, invite_link, set_archived, set_closed
from db.dashboard import (
    NO_COACH,
    STATUS_ORDER,
    Overview,
    Sort,
    alumna_record,
    cohort_coaches,
    cohort_coaching,
    cohort_page,
    evidence_of,
    overview,
)
from db.models import AuditAction, Cohort, Person
from db.report import cohort_network, cohort_report
from db.roster import import_roster, nips_on_roster, roster_of
from db.schedule import local
from db.status import ProjectStatus
from db.web import SESSION_LIFETIME, Viewer, end_session, redeem_link, set_locale, viewer, visible_cohorts
from handlers.report import CohortReport, report_filename, to_csv, to_xlsx
from web.charts import trend_svg
from web.freshness import OverviewCache
from web.roster import MAX_UPLOAD, RosterUnreadable, check_roster, qr_svg, read_table, roster_pdf, roster_xlsx

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
COOKIE = "ecoach_session"


@dataclass
class Web:
    """What every page shares: settings, texts, the clock and the database."""

    settings: Settings
    texts: Texts
    clock: Clock
    sessions: async_sessionmaker[AsyncSession]


def _sign(token: str, purpose: str) -> str:
    """A value only the holder of this session token can produce: CSRF tokens and evidence keys."""
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def build_web(web: Web) -> Starlette:
    pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined, lstrip_blocks=True)
    pages.filters["date"] = lambda value, locale: web.texts.format_date(locale, value)

    @pass_context
    def t(context: Context, key: str, **values: Any) -> Markup:
        return web.texts.render(context["locale"], key, **values)

    pages.globals["t"] = t
    secure = (web.settings.web_base_url or "").startswith("https://")
    overviews = OverviewCache()
    bot_name: dict[str, str] = {}

    def render(request: Request, name: str, locale: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        token = request.cookies.get(COOKIE, "")
        html = pages.get_template(name).render(
            locale=locale,
            csrf=_sign(token, "csrf") if token else "",
            path=request.url.path,
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),  # a language switch keeps her filters
            week=lambda monday: web.texts.week_range(locale, monday),
            **values,
        )
        return HTMLResponse(html, status_code=status_code, headers=_headers())

    def refusal(request: Request, locale: str, status_code: int, key: str) -> HTMLResponse:
        return render(request, "message.html.j2", locale, status_code, title_key=f"web.{key}", body_key=f"web.{key}_body", who=None)

    async def who(request: Request, session: AsyncSession) -> Viewer | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        return await viewer(session=session, token=token, organizers=web.settings.admin_ids, now=web.clock.now())

    Page = Callable[[Request, AsyncSession, Viewer], Awaitable[Response]]

    def page(handler: Page) -> Callable[[Request], Awaitable[Response]]:
        """A page for a logged-in viewer: 401 without a session; for a POST, 403 without its CSRF token."""

        async def endpoint(request: Request) -> Response:
            async with web.sessions() as session:
                viewing = await who(request, session)
                if viewing is None:
                    return refusal(request, web.settings.default_locale, 401, "logged_out")
                if request.method == "POST":
                    length = request.headers.get("content-length", "")
                    if not length.isdigit() or int(length) > MAX_FORM:  # before a byte is read into a temporary file
                        return refusal(request, viewing.locale, 413, "too_big")
                    form = await request.form()
                    if not hmac.compare_digest(str(form.get("csrf", "")), _sign(request.cookies[COOKIE], "csrf")):
                        return refusal(request, viewing.locale, 403, "csrf")
                response = await handler(request, session, viewing)
                await session.commit()
                return response

        return endpoint

    def evidence_url(request: Request, evidence_id: int) -> str:
        return f"/bukti/{evidence_id}?" + urlencode({"k": _sign(request.cookies.get(COOKIE, ""), f"evidence:{evidence_id}")})

    async def login_form(request: Request) -> Response:
        """The link's page: a button, so a link preview or a mail scanner fetching it spends nothing."""
        locale = request.query_params.get("lang", web.settings.default_locale)
        locale = locale if locale in LOCALES else web.settings.default_locale
        return render(request, "login.html.j2", locale, token=request.query_params.get("t", ""), who=None)

    async def login(request: Request) -> Response:
        form: FormData = await request.form()
        now = web.clock.now()
        async with web.sessions() as session:
            token = await redeem_link(session=session, token=str(form.get("t", "")), locale=web.settings.default_locale, now=now)
            if token is None:
                return refusal(request, web.settings.default_locale, 403, "link_used")
            viewing = await viewer(session=session, token=token, organizers=web.settings.admin_ids, now=now)
            if viewing is not None:  # her dashboard speaks the language she chose in the chat
                person = await session.scalar(select(Person).where(Person.telegram_id == viewing.telegram_id))
                if person is not None and person.locale in LOCALES:
                    await set_locale(session=session, session_id=viewing.session_id, locale=person.locale)
            await session.commit()
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True, samesite="lax", secure=secure, path="/"
        )
        return response

    async def logout(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        await end_session(session=session, session_id=viewing.session_id, now=web.clock.now())
        response = RedirectResponse("/keluar", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        return response

    async def logged_out(request: Request) -> Response:
        return render(
            request, "message.html.j2", web.settings.default_locale, title_key="web.goodbye", body_key="web.goodbye_body", who=None
        )

    async def language(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        form = await request.form()
        chosen = str(form.get("locale", ""))
        if chosen in LOCALES:
            await set_locale(session=session, session_id=viewing.session_id, locale=chosen)
        back = str(form.get("next", "/"))
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", status_code=303)

    async def counted(cohorts: list[Cohort]) -> tuple[Overview, datetime]:
        async def count() -> Overview:  # in a session of its own: it may run after the request that asked
            async with web.sessions() as own:
                return await overview(session=own, cohorts=cohorts, now=web.clock.now())

        return await overviews.get(tuple(c.id for c in cohorts), web.clock.now(), count)

    async def warm() -> None:
        """Count the organizers' overview once at start, so that not even the first view waits for it."""
        everyone = Viewer(telegram_id=0, organizer=True, cohort_ids=frozenset(), locale=web.settings.default_locale, session_id=0)
        try:
            async with web.sessions() as session:
                cohorts = await visible_cohorts(session=session, who=everyone)
            await counted(cohorts)
        except Exception:  # the first view counts instead
            log.exception("counting the overview at start failed")

    async def home(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        cohorts = await visible_cohorts(session=session, who=viewing)
        summary, counted_at = await counted(cohorts)
        current = {c.id: c for c in cohorts}  # names as they are now, whatever the numbers' age
        summary = replace(summary, cohorts=[replace(line, cohort=current.get(line.cohort.id, line.cohort)) for line in summary.cohorts])
        chart = trend_svg(summary.weeks, web.texts, viewing.locale)
        perception = {role.value: f"{value:.1f}" if value is not None else "–" for role, value in summary.perception.items()}
        return render(
            request,
            "overview.html.j2",
            viewing.locale,
            who=viewing,
            summary=summary,
            chart=chart,
            statuses=STATUS_ORDER,
            perception=perception,
            archived=await visible_cohorts(session=session, who=viewing, archived=True),
            counted_at=local(counted_at, web.settings.default_timezone).strftime("%H.%M"),
        )

    async def allowed_cohort(request: Request, session: AsyncSession, viewing: Viewer) -> Cohort:
        cohort = await session.get(Cohort, row_id(request, "cohort_id"))
        if cohort is None:
            raise HTTPException(404)
        if not viewing.may_see(cohort.id):
            raise HTTPException(403)
        return cohort

    async def organizer_cohort(request: Request, session: AsyncSession, viewing: Viewer) -> Cohort:
        """Managing a cohort (its list, codes, dates) is for organizers: a coach gets 403."""
        cohort = await allowed_cohort(request, session, viewing)
        if not viewing.organizer:
            raise HTTPException(403)
        return cohort

    async def username() -> str:
        """The bot's @username for invite links: ECOACH_BOT_USERNAME, else asked of the Bot API once."""
        if "name" not in bot_name:
            bot_name["name"] = web.settings.bot_username or await ask_username(web.settings)
        return bot_name["name"]

    async def export(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        """The cohort's report, the same file as `ecoach report`, in the viewer's language."""
        cohort = await allowed_cohort(request, session, viewing)
        fmt = request.path_params["fmt"]
        if fmt not in ("xlsx", "csv"):
            raise HTTPException(404)
        now = web.clock.now()
        reports = [CohortReport(cohort, *await cohort_report(session=session, cohort=cohort, now=now))]
        today = local(now, web.settings.default_timezone).date()
        if fmt == "xlsx":
            data, media = to_xlsx(web.texts, viewing.locale, reports, today), XLSX
        else:
            data, media = to_csv(web.texts, viewing.locale, reports), "text/csv; charset=utf-8"
        return download(data, media, report_filename(web.texts, viewing.locale, reports, today, fmt))

    async def invite_page(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        """The cohort's invite links with QR codes, on one A4 page for the classroom."""
        cohort = await organizer_cohort(request, session, viewing)
        name = await username()
        links = {role: invite_link(name, code) for role, code in (("alumni", cohort.alumni_code), ("coach", cohort.coach_code))}
        qr = {role: Markup(qr_svg(link)) for role, link in links.items()}
        rotated = request.query_params.get("diganti") in ("alumni", "coach")
        return render(request, "invite.html.j2", viewing.locale, who=viewing, cohort=cohort, links=links, qr=qr, rotated=rotated)

    async def rotate(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        cohort = await organizer_cohort(request, session, viewing)
        which = str((await request.form()).get("which", ""))
        if which not in ("alumni", "coach", "both"):
            raise HTTPException(400)
        await rotate_codes(session=session, cohort=cohort, which=which, by=viewing.telegram_id, now=web.clock.now())
        return RedirectResponse(f"/angkatan/{cohort.id}/undangan?diganti={which}", status_code=303)

    async def manage(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        """Rename, move dates, close to joins or archive: each a POST with its own action."""
        cohort = await organizer_cohort(request, session, viewing)
        error, now = None, web.clock.now()
        typed = {"name": cohort.name, "training_end": cohort.training_end.isoformat(), "months": str(cohort.monitoring_months)}
        if request.method == "POST":
            form = await request.form()
            action = str(form.get("action", ""))
            if action == "edit":
                try:
                    day = date.fromisoformat(str(form.get("training_end", "")))
                    months = int(str(form.get("months", "")))
                    await edit_cohort(session=session, cohort=cohort, name=str(form.get("name", "")), training_end=day, months=months)
                except ValueError:  # CohortError is one: a bad date, months or a name in use
                    await session.rollback()
                    cohort = await organizer_cohort(request, session, viewing)
                    error = "web.manage_error"
                    typed = {key: str(form.get(key, "")) for key in ("name", "training_end", "months")}  # shown again, not lost
            elif action in ("close", "reopen"):
                set_closed(cohort, action == "close", now)
            elif action in ("archive", "unarchive"):
                set_archived(cohort, action == "archive", now)
            else:
                raise HTTPException(400)
            if error is None:
                return RedirectResponse(f"/angkatan/{cohort.id}/kelola?ok=1", status_code=303)
        saved = request.query_params.get("ok") == "1"
        status_code = 400 if error else 200
        values = {"who": viewing, "cohort": cohort, "error": error, "saved": saved, "typed": typed}
        return render(request, "manage.html.j2", viewing.locale, status_code, **values)

    async def roster_page(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        """GET: the class list with who joined. POST: an uploaded file, previewed row by row."""
        cohort = await organizer_cohort(request, session, viewing)
        lines = await roster_of(session=session, cohort_id=cohort.id)
        preview, problem, payload, filename = None, None, "", ""
        if request.method == "POST":
            upload = (await request.form()).get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                problem = "web.roster_no_file"
            else:
                filename, data = upload.filename, await upload.read(MAX_UPLOAD + 1)
                try:
                    preview = check_roster(read_table(filename, data), await nips_on_roster(session=session, cohort_id=cohort.id))
                    preview.sort(key=lambda row: not row.errors)  # what needs fixing first, in a list of hundreds
                    payload = base64.b64encode(data).decode()
                except RosterUnreadable as exc:
                    problem = str(exc)
        values = {"who": viewing, "cohort": cohort, "lines": lines, "preview": preview, "problem": problem}
        return render(request, "roster.html.j2", viewing.locale, 400 if problem else 200, payload=payload, filename=filename, **values)

    async def roster_import(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        """Import the rows of the previewed file that have no error: each gets her personal link."""
        cohort = await organizer_cohort(request, session, viewing)
        form = await request.form()
        try:
            data = base64.b64decode(str(form.get("payload", "")), validate=True)
            rows = check_roster(read_table(str(form.get("filename", "")), data), await nips_on_roster(session=session, cohort_id=cohort.id))
        except (ValueError, RosterUnreadable):
            raise HTTPException(400) from None
        participants = [row.participant for row in rows if row.participant is not None]
        await import_roster(session=session, cohort=cohort, participants=participants, now=web.clock.now())
        return RedirectResponse(f"/angkatan/{cohort.id}/peserta?diimpor={len(participants)}", status_code=303)

    async def roster_download(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        cohort = await organizer_cohort(request, session, viewing)
        fmt = request.path_params["fmt"]
        if fmt not in ("xlsx", "pdf"):
            raise HTTPException(404)
        lines = await roster_of(session=session, cohort_id=cohort.id)
        name, today = await username(), local(web.clock.now(), web.settings.default_timezone).date()
        stem = f"peserta-{file_slug(cohort.name)}-{today.isoformat()}"
        if fmt == "xlsx":
            return download(roster_xlsx(web.texts, viewing.locale, cohort.name, lines, name), XLSX, f"{stem}.xlsx")
        return download(roster_pdf(web.texts, viewing.locale, cohort.name, lines, name, today), "application/pdf", f"{stem}.pdf")

    async def cohort_view(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        cohort = await allowed_cohort(request, session, viewing)
        query = request.query_params
        status = ProjectStatus(query["status"]) if query.get("status") in set(ProjectStatus) else None
        sort = Sort(query["sort"]) if query.get("sort") in set(Sort) else Sort.STATUS
        number = max(0, (number_in(query.get("page", "")) or 1) - 1)
        agency = query.get("agency") or None
        coach = number_in(query.get("coach", ""))
        listing = await cohort_page(
            session=session, cohort=cohort, today=web.clock.now().date(), status=status, agency=agency, sort=sort, page=number, coach=coach
        )
        return render(
            request,
            "cohort.html.j2",
            viewing.locale,
            who=viewing,
            cohort=cohort,
            listing=listing,
            chosen={
                "status": status.value if status else "",
                "agency": agency or "",
                "sort": sort.value,
                "coach": "" if coach is None else str(coach),
            },
            statuses=STATUS_ORDER,
            sorts=list(Sort),
            coaches=await cohort_coaches(session=session, cohort_id=cohort.id),
            no_coach=NO_COACH,
            coaching=await cohort_coaching(session=session, cohort=cohort, now=web.clock.now()),
            network=await cohort_network(session=session, cohort=cohort, now=web.clock.now()),
        )

    async def alumna_view(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        now = web.clock.now()
        found = await alumna_record(session=session, person_id=row_id(request, "person_id"), now=now)
        if found is None:
            raise HTTPException(404)
        if not viewing.may_see(found.cohort.id):
            raise HTTPException(403)
        # PDP accountability: who opened whose record, and when.
        await record(
            session=session,
            action=AuditAction.ALUMNA_VIEWED,
            actor=viewing.telegram_id,
            now=now,
            cohort_id=found.cohort.id,
            subject=found.person.telegram_id,
        )
        return render(
            request,
            "alumna.html.j2",
            viewing.locale,
            who=viewing,
            r=found,
            evidence_url=lambda evidence_id: evidence_url(request, evidence_id),
            today=now.date(),
        )

    async def evidence(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        evidence_id = row_id(request, "evidence_id")
        expected = _sign(request.cookies.get(COOKIE, ""), f"evidence:{evidence_id}")
        if not hmac.compare_digest(request.query_params.get("k", ""), expected):
            raise HTTPException(403)
        found = await evidence_of(session=session, evidence_id=evidence_id)
        if found is None:
            raise HTTPException(404)
        item, cohort_id = found
        if not viewing.may_see(cohort_id):
            raise HTTPException(403)
        if item.local_path is None:
            raise HTTPException(404)
        data_dir = web.settings.data_dir.resolve()
        path = (data_dir / item.local_path).resolve()
        if not path.is_relative_to(data_dir) or not path.is_file():
            raise HTTPException(404)
        inline = (item.mime_type or "").startswith("image/")
        media_type = item.mime_type or "application/octet-stream"
        if inline and request.query_params.get("klein") == "1":  # the logbook's thumbnail, not the 3 MB photo
            small = await asyncio.to_thread(thumbnail, path)
            path, media_type = small, "image/jpeg" if small != path else media_type
        return FileResponse(
            path,
            media_type=media_type,
            filename=item.name or path.name,
            content_disposition_type="inline" if inline else "attachment",
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        key = {403: "forbidden", 404: "not_found"}.get(exc.status_code, "error")
        return refusal(request, web.settings.default_locale, exc.status_code, key)

    routes = [
        Route("/masuk", login_form, methods=["GET"]),
        Route("/masuk", login, methods=["POST"]),
        Route("/keluar", logged_out, methods=["GET"]),
        Route("/keluar", page(logout), methods=["POST"]),
        Route("/bahasa", page(language), methods=["POST"]),
        Route("/", page(home)),
        Route("/angkatan/{cohort_id:int}", page(cohort_view)),
        Route("/alumni/{person_id:int}", page(alumna_view)),
        Route("/bukti/{evidence_id:int}", page(evidence)),
        Route("/angkatan/{cohort_id:int}/laporan.{fmt:str}", page(export)),
        Route("/angkatan/{cohort_id:int}/undangan", page(invite_page)),
        Route("/angkatan/{cohort_id:int}/kode", page(rotate), methods=["POST"]),
        Route("/angkatan/{cohort_id:int}/kelola", page(manage), methods=["GET", "POST"]),
        Route("/angkatan/{cohort_id:int}/peserta", page(roster_page), methods=["GET", "POST"]),
        Route("/angkatan/{cohort_id:int}/peserta/impor", page(roster_import), methods=["POST"]),
        Route("/angkatan/{cohort_id:int}/peserta.{fmt:str}", page(roster_download)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: on_http_error})
    app.state.warm = warm
    return app


def number_in(text: str) -> int | None:
    """A page or id typed into an address: digits that fit a database integer, else None."""
    return int(text) if text.isdigit() and int(text) < 2**31 else None


def row_id(request: Request, name: str) -> int:
    """An id from the path; one past what a database integer holds is simply not there (404)."""
    found = number_in(str(request.path_params[name]))
    if found is None:
        raise HTTPException(404)
    return found


MAX_FORM = 1024 * 1024  # the largest form: a class list's preview carried back (512 KB as base64), with room to spare
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THUMBNAIL = (320, 320)


def thumbnail(photo: Path) -> Path:
    """A small JPEG of the photo, made once beside it (evidence/<her id>/thumbs/): erased with her
    folder, and swept as an orphan a day after its photo's entry is deleted."""
    small = photo.parent / "thumbs" / f"{photo.stem}.jpg"
    if small.is_file() and small.stat().st_mtime >= photo.stat().st_mtime:
        return small
    try:
        with Image.open(photo) as opened:
            image = ImageOps.exif_transpose(opened)
            image.thumbnail(THUMBNAIL)
            small.parent.mkdir(parents=True, exist_ok=True)
            image.convert("RGB").save(small, "JPEG", quality=80)
    except (OSError, ValueError):  # not an image Pillow reads (HEIC, say): the photo itself
        return photo
    return small


def download(data: bytes, media_type: str, filename: str) -> Response:
    """A file to save, never shown inline: an XLSX or CSV from a cell beginning with '=' stays data."""
    quoted = urllib.parse.quote(filename)
    headers = {**_headers(), "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"}
    return Response(data, media_type=media_type, headers=headers)


async def ask_username(settings: Settings) -> str:
    """getMe, as `ecoach cohort create` asks it; the token is in the URL, so nothing here is logged."""
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            answer = await client.get(f"{settings.telegram_api_url}/bot{settings.token}/getMe")
        return str(answer.json()["result"]["username"])
    except (httpx.HTTPError, ValueError, KeyError):  # its message would hold the URL, and so the token
        log.warning("the Bot API did not give the bot's username: set ECOACH_BOT_USERNAME")
        raise HTTPException(503) from None


def _headers() -> dict[str, str]:
    """No scripts from anywhere, no framing, no referrer carrying a path with an id to another site."""
    return {
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
