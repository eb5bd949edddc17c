"""`ecoach shell`: the demo transcript, a failing script, and an interactive session in a pseudo-terminal."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pexpect
import pytest

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

ROOT = Path(__file__).resolve().parents[1]
ECOACH = str(Path(sys.executable).parent / "ecoach")


def clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ECOACH_", "DATABASE_URL"))}


def test_the_demo_transcript_runs_without_token_or_network(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).glob("ecoach-shell-*"))
    done = subprocess.run(
        [ECOACH, "shell", "--script", str(ROOT / "examples" / "demo.txt"), "--out", str(tmp_path / "made")],
        env=clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for expected in (
        "Tersimpan! 🎉",
        "refleksi minggu ini tersimpan",
        "📷 Foto diterima",
        "Logbook tersimpan ✅ dengan 1 bukti",
        "check-in monitoring",
        "check-in tersimpan",
        "bot [grup]: 1. Dewi Lestari",
        "Pengumuman dijadwalkan",  # a coach's /umumkan, typed in her private chat after :pribadi
        "script finished",
    ):
        assert expected in out, expected
    made = sorted(path.name for path in (tmp_path / "made").iterdir())
    assert [name.split("-", 1)[1] for name in made][:2] == ["foto.png", "e-portofolio.pdf"]  # her chart, her portfolio
    assert (tmp_path / "made" / made[1]).read_bytes().startswith(b"%PDF")
    assert any(name.endswith(".xlsx") and "laporan-angkatan-demo-" in name for name in made)
    assert f"📄 e-portofolio.pdf → made/{made[1]}" in out  # the line says where each file went
    assert set(Path(tempfile.gettempdir()).glob("ecoach-shell-*")) == before  # its temporary folder is gone


def test_durations_in_words() -> None:
    from datetime import timedelta

    from devtools.shell import parse_duration

    assert [parse_duration(t) for t in ("1 bulan", "2 minggu", "3 hari", "5 jam", "7d", "10 menit")] == [
        timedelta(days=30), timedelta(weeks=2), timedelta(days=3), timedelta(hours=5), timedelta(days=7), timedelta(minutes=10),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="misalnya :maju 3 hari"):
        parse_duration("sebentar")


def test_a_missing_reply_fails_the_script(tmp_path: Path) -> None:
    script = tmp_path / "wrong.txt"
    script.write_text("> /start DEMO-ALUMNI\n< this text never comes\n")
    done = subprocess.run(
        [ECOACH, "shell", "--script", str(script)], env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "script failed at line 2" in done.stdout and "this text never comes" in done.stdout


def test_interactive_onboarding_pressing_buttons_by_number(tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    shell = pexpect.spawn(ECOACH, ["shell"], env=clean_env(), cwd=str(tmp_path), encoding="utf-8", timeout=30)
    try:
        shell.expect("Join with: /start DEMO-ALUMNI")

        def answer(text: str, then: str) -> None:
            shell.expect("> ")
            shell.sendline(text)
            shell.expect(then)

        answer("/start DEMO-ALUMNI", r"\[1\] ✅ Saya setuju")
        answer("1", "nama lengkap")
        answer("Sari Wulandari", r"\[1\] Panggil saya Sari")
        answer("1", "instansi")
        answer("Dinas Demo", "unit kerja")
        answer("Bidang Pelayanan", r"\[1\] ⏭️ Lewati")
        answer("19850312 201001 2 004", r"\[3\] Pengawas")
        answer("3", r"\[1\] WIB")
        answer("1", "judul")
        for text, then in (
            ("PAP Demo", "Masalah apa"),
            ("Antrean panjang", "Spesifik"),
            ("Memangkas waktu", "Terukur"),
            ("Waktu layanan", "kondisi awal"),
            ("14 hari", "target"),
            ("3 hari", "Dapat dicapai"),
            ("Dukungan tim", "Relevan"),
            ("Mandat pelayanan", r"\[1\] Pakai"),
        ):
            answer(text, then)
        answer("1", "tahapan 1")
        answer("Pemetaan", "Kapan target")
        answer((today + timedelta(days=10)).strftime("%d-%m-%Y"), "tahapan 2")
        answer("Uji coba", "Kapan target")
        answer((today + timedelta(days=30)).strftime("%d-%m-%Y"), r"\[1\] ✅ Selesai")
        answer("1", r"\[5\] Jumat")
        answer("5", r"\[4\] 15.00")
        answer("4", r"\[1\] 💾 Simpan")
        answer("1", "Tersimpan!")
        shell.expect("> ")
        shell.sendline(":keluar")
        shell.expect(pexpect.EOF)
    finally:
        shell.close()
    assert shell.exitstatus == 0
