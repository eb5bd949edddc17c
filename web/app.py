"""The organizers' web dashboard: a server-rendered Starlette app over the bot's database and texts.

Doors: a one-time link from /dasbor or `ecoach web link` opens an 8-hour session (HttpOnly,
SameSite=Lax, Secure behind https). Every POST carries a CSRF token derived from the session token,
every page checks on each request what the viewer may see (an organizer every cohort, a coach hers),
and every view of an alumna's record is written to the audit log. Evidence is served only through a
per-session signature, so its address is never guessable nor usable by anyone else.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.kernel.clock import Clock
from bot.kernel.i18n import Texts
from bot.kernel.settings import LOCALES, Settings
from db.audit import record
from db.dashboard import STATUS_ORDER, Sort, alumna_record, cohort_page, evidence_of, overview
from db.models import AuditAction, Cohort, Person
from db.status import ProjectStatus
from db.web import SESSION_LIFETIME, Viewer, end_session, redeem_link, set_locale, viewer, visible_cohorts
from web.charts import trend_svg

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

    def render(request: Request, name: str, locale: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        token = request.cookies.get(COOKIE, "")
        html = pages.get_template(name).render(
            locale=locale,
            csrf=_sign(token, "csrf") if token else "",
            path=request.url.path,
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
        return render(request, "login.html.j2", web.settings.default_locale, token=request.query_params.get("t", ""), who=None)

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

    async def home(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        now = web.clock.now()
        cohorts = await visible_cohorts(session=session, who=viewing)
        summary = await overview(session=session, cohorts=cohorts, now=now)
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
        )

    async def allowed_cohort(request: Request, session: AsyncSession, viewing: Viewer) -> Cohort:
        cohort = await session.get(Cohort, int(request.path_params["cohort_id"]))
        if cohort is None:
            raise HTTPException(404)
        if not viewing.may_see(cohort.id):
            raise HTTPException(403)
        return cohort

    async def cohort_view(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        cohort = await allowed_cohort(request, session, viewing)
        query = request.query_params
        status = ProjectStatus(query["status"]) if query.get("status") in set(ProjectStatus) else None
        sort = Sort(query["sort"]) if query.get("sort") in set(Sort) else Sort.STATUS
        number = int(query["page"]) - 1 if query.get("page", "").isdigit() and int(query["page"]) > 0 else 0
        agency = query.get("agency") or None
        listing = await cohort_page(
            session=session, cohort=cohort, today=web.clock.now().date(), status=status, agency=agency, sort=sort, page=number
        )
        return render(
            request,
            "cohort.html.j2",
            viewing.locale,
            who=viewing,
            cohort=cohort,
            listing=listing,
            chosen={"status": status.value if status else "", "agency": agency or "", "sort": sort.value},
            statuses=STATUS_ORDER,
            sorts=list(Sort),
        )

    async def alumna_view(request: Request, session: AsyncSession, viewing: Viewer) -> Response:
        now = web.clock.now()
        found = await alumna_record(session=session, person_id=int(request.path_params["person_id"]), now=now)
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
        evidence_id = int(request.path_params["evidence_id"])
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
        return FileResponse(
            path,
            media_type=item.mime_type or "application/octet-stream",
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
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: on_http_error})


def _headers() -> dict[str, str]:
    """No scripts from anywhere, no framing, no referrer carrying a path with an id to another site."""
    return {
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
