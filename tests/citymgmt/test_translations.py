"""The committed catalogues are complete and compiled from their .po files."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def test_there_is_an_english_catalogue():
    assert LOCALE / "en" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_committed_mo_matches_its_po(po, tmp_path):
    assert shutil.which("msgfmt"), "GNU gettext (msgfmt) is needed: apt-get install gettext"
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with open(fresh, "rb") as a, open(po.with_suffix(".mo"), "rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (
            f"{po.with_suffix('.mo')} is stale: run `make messages`"
        )


def test_every_english_entry_is_translated():
    result = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(LOCALE / "en" / "LC_MESSAGES" / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    )
    untranslated = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert untranslated == []
