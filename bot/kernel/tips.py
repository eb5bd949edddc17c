"""The microlearning tip library: one file per tip and locale, TOML front matter between +++ lines."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from bot.kernel.i18n import Texts
from bot.kernel.settings import LOCALES
from bot.kernel.telegram import EntityParseError, html_to_plain, utf16_len

TIPS_DIR = Path(__file__).parent.parent / "tips"
DOMAINS = ("soft_skills", "hard_skills", "empowerment", "inclusive", "ethics_reform")
MODULES = ("I", "II", "III", "IV", "V", "VI")
FORMATS = ("text", "video", "infographic", "podcast")
LIMITS = {"title": 100, "question": 300, "option": 100, "explanation": 200, "message": 4096}


@dataclass(frozen=True)
class Quiz:
    question: str
    options: list[str]
    correct: int
    explanation: str


@dataclass(frozen=True)
class Tip:
    slug: str
    locale: str
    title: str
    domain: str
    module: str
    format: str
    link: str | None
    body: str
    quiz: Quiz | None


class TipError(ValueError):
    """A tip file is not valid; the message names the file and the problem."""


def parse_tip(path: Path) -> Tip:
    text = path.read_text(encoding="utf-8")
    parts = text.split("+++", 2)
    if len(parts) != 3 or parts[0].strip():
        raise TipError(f"{path.name}: front matter must open the file between +++ lines")
    try:
        meta = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as exc:
        raise TipError(f"{path.name}: front matter is not valid TOML: {exc}") from None
    slug, _, locale = path.name.removesuffix(".md").rpartition(".")
    quiz = None
    if "quiz" in meta:
        q = meta["quiz"]
        try:
            quiz = Quiz(str(q["question"]), [str(o) for o in q["options"]], int(q["correct"]), str(q["explanation"]))
        except (KeyError, TypeError, ValueError):
            raise TipError(f"{path.name}: quiz needs question, options, correct and explanation") from None
    try:
        return Tip(
            slug,
            locale,
            str(meta["title"]),
            str(meta["domain"]),
            str(meta["module"]),
            str(meta["format"]),
            meta.get("link") or None,
            parts[2].strip(),
            quiz,
        )
    except KeyError as missing:
        raise TipError(f"{path.name}: front matter lacks {missing}") from None


class TipLibrary:
    """All tips, by slug and locale, rendered with Jinja2."""

    def __init__(self, directory: Path = TIPS_DIR) -> None:
        self.tips: dict[tuple[str, str], Tip] = {}
        for path in sorted(directory.glob("*.md")):
            tip = parse_tip(path)
            self.tips[(tip.slug, tip.locale)] = tip
        self._env = Environment(undefined=StrictUndefined, autoescape=False)  # tip bodies are authored HTML

    def slugs(self) -> list[str]:
        return sorted({slug for slug, _ in self.tips})

    def get(self, slug: str, locale: str) -> Tip:
        return self.tips.get((slug, locale)) or self.tips[(slug, "id")]

    def body(self, tip: Tip) -> str:
        return self._env.from_string(tip.body).render().strip()


_library: TipLibrary | None = None


def tip_library() -> TipLibrary:
    """The library shipped with the bot, read once."""
    global _library
    if _library is None:
        _library = TipLibrary()
    return _library


def tip_message(texts: Texts, library: TipLibrary, tip: Tip) -> str:
    """The Telegram message for a tip, in the tip's locale."""
    locale = tip.locale if tip.locale in LOCALES else texts.default_locale
    domain = texts.render(locale, f"choices.domain.{tip.domain}") if tip.domain in DOMAINS else tip.domain
    return texts.render(locale, "tips.message", tip=tip, domain=domain, body=Markup(library.body(tip)))


def check_library(directory: Path = TIPS_DIR) -> tuple[int, list[str]]:
    """Validate every tip: front matter, both locales, Telegram's limits and markup. (count, problems)."""
    problems: list[str] = []
    try:
        library = TipLibrary(directory)
    except TipError as exc:
        return 0, [str(exc)]
    texts = Texts()
    for (slug, locale), tip in sorted(library.tips.items()):
        where = f"{slug}.{locale}.md"
        if tip.locale not in LOCALES:
            problems.append(f"{where}: locale must be one of {', '.join(LOCALES)}")
        if tip.domain not in DOMAINS:
            problems.append(f"{where}: domain {tip.domain!r} is not one of {', '.join(DOMAINS)}")
        if tip.module not in MODULES:
            problems.append(f"{where}: module {tip.module!r} is not one of {', '.join(MODULES)}")
        if tip.format not in FORMATS:
            problems.append(f"{where}: format {tip.format!r} is not one of {', '.join(FORMATS)}")
        elif tip.format != "text" and not (tip.link or "").startswith("https://"):
            problems.append(f"{where}: a {tip.format} tip needs an https link")
        if not tip.title or len(tip.title) > LIMITS["title"]:
            problems.append(f"{where}: title must have 1 to {LIMITS['title']} characters")
        if not tip.body:
            problems.append(f"{where}: the body is empty")
        other = "en" if locale == "id" else "id"
        if (slug, other) not in library.tips:
            problems.append(f"{where}: the {other} version is missing")
        elif (tip.quiz is None) != (library.tips[(slug, other)].quiz is None):
            problems.append(f"{where}: the quiz must exist in both locales or in neither")
        if tip.quiz:
            quiz = tip.quiz
            if len(quiz.question) > LIMITS["question"]:
                problems.append(f"{where}: quiz question over {LIMITS['question']} characters")
            if not 2 <= len(quiz.options) <= 10 or any(not o or len(o) > LIMITS["option"] for o in quiz.options):
                problems.append(f"{where}: a quiz needs 2 to 10 options of 1 to {LIMITS['option']} characters")
            if not 0 <= quiz.correct < len(quiz.options):
                problems.append(f"{where}: quiz correct option is out of range")
            if len(quiz.explanation) > LIMITS["explanation"]:
                problems.append(f"{where}: quiz explanation over {LIMITS['explanation']} characters")
        try:
            message = tip_message(texts, library, tip)
            if utf16_len(html_to_plain(message)) > LIMITS["message"]:
                problems.append(f"{where}: the message is longer than Telegram's {LIMITS['message']} characters")
        except EntityParseError as exc:
            problems.append(f"{where}: Telegram would refuse the markup: {exc}")
        except Exception as exc:  # noqa: BLE001 - any template error in a body is a problem to report, not a crash
            problems.append(f"{where}: cannot render: {exc}")
    return len(library.slugs()), problems
