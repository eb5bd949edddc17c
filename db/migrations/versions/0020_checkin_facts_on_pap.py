"""Her check-in facts kept on the PAP: her latest word and whether her last two check-ins were missed

The status rules read both for every PAP of a cohort (/mandek, /ringkasan); computed from the
check-ins they were two window functions over every check-in of the cohort, ~75 % of the query at
20,000 alumnae. A trigger on `checkins` keeps them on the PAP in the same transaction as any write
to a check-in, whichever code makes it, and another fills them when a PAP is inserted.

SQLite drops a table's triggers with the table: a later batch migration that recreates `checkins`
or `paps` must call `create_triggers()` again.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

DUE = "('sent', 'reminded', 'missed', 'answered')"  # db.status.DUE_CHECKIN


def _said(person: str, cohort: str) -> str:
    return (
        f"(SELECT c.pap_status FROM checkins c WHERE c.person_id = {person} AND c.cohort_id = {cohort} AND c.status = 'answered' "
        "AND c.pap_status IS NOT NULL ORDER BY c.sequence DESC LIMIT 1)"
    )


def _missed_last_two(person: str, cohort: str) -> str:
    return (
        f"(SELECT count(*) = 2 FROM (SELECT c.status FROM checkins c WHERE c.person_id = {person} AND c.cohort_id = {cohort} "
        f"AND c.status IN {DUE} ORDER BY c.sequence DESC LIMIT 2) recent WHERE recent.status = 'missed')"
    )


def _refresh(person: str, cohort: str) -> str:
    return (
        f"UPDATE paps SET checkin_said = {_said(person, cohort)}, checkins_missed_last_two = {_missed_last_two(person, cohort)} "
        f"WHERE person_id = {person} AND cohort_id = {cohort}"
    )


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ecoach_checkin_facts() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_refresh('OLD.person_id', 'OLD.cohort_id')}; END IF;\n"
            f"  IF TG_OP IN ('UPDATE', 'INSERT') THEN {_refresh('NEW.person_id', 'NEW.cohort_id')}; END IF;\n"
            "  RETURN NULL;\n"
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER checkins_facts AFTER INSERT OR DELETE OR UPDATE OF status, pap_status, sequence, person_id, cohort_id "
            "ON checkins FOR EACH ROW EXECUTE FUNCTION ecoach_checkin_facts()"
        )
        op.execute(
            "CREATE FUNCTION ecoach_pap_checkin_facts() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  NEW.checkin_said := {_said('NEW.person_id', 'NEW.cohort_id')};\n"
            f"  NEW.checkins_missed_last_two := {_missed_last_two('NEW.person_id', 'NEW.cohort_id')};\n"
            "  RETURN NEW;\n"
            "END $$"
        )
        op.execute("CREATE TRIGGER paps_checkin_facts BEFORE INSERT ON paps FOR EACH ROW EXECUTE FUNCTION ecoach_pap_checkin_facts()")
        return
    for event, who in [("INSERT", "NEW"), ("DELETE", "OLD")]:
        op.execute(
            f"CREATE TRIGGER checkins_facts_{event.lower()} AFTER {event} ON checkins "
            f"BEGIN {_refresh(f'{who}.person_id', f'{who}.cohort_id')}; END"
        )
    op.execute(
        "CREATE TRIGGER checkins_facts_update AFTER UPDATE OF status, pap_status, sequence, person_id, cohort_id ON checkins "
        f"BEGIN {_refresh('OLD.person_id', 'OLD.cohort_id')}; {_refresh('NEW.person_id', 'NEW.cohort_id')}; END"
    )
    op.execute(f"CREATE TRIGGER paps_checkin_facts AFTER INSERT ON paps BEGIN {_refresh('NEW.person_id', 'NEW.cohort_id')}; END")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS checkins_facts ON checkins")
        op.execute("DROP TRIGGER IF EXISTS paps_checkin_facts ON paps")
        op.execute("DROP FUNCTION IF EXISTS ecoach_checkin_facts()")
        op.execute("DROP FUNCTION IF EXISTS ecoach_pap_checkin_facts()")
        return
    for name in ("checkins_facts_insert", "checkins_facts_delete", "checkins_facts_update", "paps_checkin_facts"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    with op.batch_alter_table("paps") as batch:
        said = sa.Enum("on_track", "delayed", "stuck", "completed", "abandoned", name="papstatus", native_enum=False, length=16)
        batch.add_column(sa.Column("checkin_said", said, nullable=True))
        batch.add_column(sa.Column("checkins_missed_last_two", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        f"UPDATE paps SET checkin_said = {_said('paps.person_id', 'paps.cohort_id')}, "
        f"checkins_missed_last_two = {_missed_last_two('paps.person_id', 'paps.cohort_id')}"
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("paps") as batch:
        batch.drop_column("checkins_missed_last_two")
        batch.drop_column("checkin_said")
