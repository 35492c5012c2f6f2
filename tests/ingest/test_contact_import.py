"""Issue 20: contact import from CSV/XLSX, with a dry run that reports exactly
what the real run does, refused rows by line, constant queries per batch."""
from __future__ import annotations

import io

import pytest
import tablib
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drip_plugin import identify
from drip_plugin.consent.suppression import ERASED, suppress
from drip_plugin.ingest.contact_import import ImportFileError, import_contacts, read_rows
from drip_plugin.models import Consent, Contact

HEADER = "email,First name,last_name,time_zone,locale,phone,consent_source,city,plan\n"


def _csv(lines: list[str]) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def test_import_creates_updates_and_refuses_rows_with_line_numbers(db, tmp_path):
    identify("old@example.com", first_name="Old", attributes={"city": "Paris", "plan": "gold"})
    content = _csv([
        "new@example.com,Ada,Lovelace,Europe/London,en_GB,+44 20 7946 0958,,London,",
        "OLD@example.com,,,,,,,Lyon,",
        "not-an-email,,,,,,,,",
        "tz@example.com,,,Mars/Base,,,,,",
        "new@example.com,,,,,,,,",
        "short@example.com,too few",
    ])
    report = import_contacts(read_rows(content, "contacts.csv"), dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert [line for line, _ in report.refused] == [4, 5, 6, 7]
    reasons = dict(report.refused)
    assert "not a valid email address" in reasons[4] and "not an IANA time zone" in reasons[5]
    assert "already on line 2" in reasons[6] and "2 cells, the header has 9" in reasons[7]
    new = Contact.objects.get(email="new@example.com")
    assert (new.first_name, new.last_name, new.time_zone, new.locale, new.phone, new.attributes) == (
        "Ada", "Lovelace", "Europe/London", "en_GB", "+442079460958", {"city": "London"})
    old = Contact.objects.get(email="old@example.com")
    assert (old.first_name, old.attributes) == ("Old", {"city": "Lyon", "plan": "gold"}), "empty cells change nothing"


def test_import_without_consent_proof_does_not_subscribe_and_a_consent_column_records_consent(db):
    suppress("bounced@example.com", "hard bounce")
    content = _csv(["no-proof@example.com,,,,,,,,",
                    "proof@example.com,,,,,,shop signup 2025,,",
                    "bounced@example.com,,,,,,shop signup 2025,,"])
    report = import_contacts(read_rows(content, "c.csv"), dry_run=False)
    assert (report.created, report.consents) == (3, 2)
    subscribed = dict(Contact.objects.values_list("email", "is_subscribed"))
    assert subscribed == {"no-proof@example.com": False, "proof@example.com": True, "bounced@example.com": False}
    assert sorted(Consent.objects.values_list("contact__email", "granted", "source")) == [
        ("bounced@example.com", True, "shop signup 2025"), ("proof@example.com", True, "shop signup 2025")]


def test_import_refuses_an_erased_address_and_a_file_with_unusable_columns(db):
    suppress("gone@example.com", ERASED)
    report = import_contacts(read_rows(_csv(["gone@example.com,,,,,,,,"]), "c.csv"), dry_run=False)
    assert report.refused == [(2, "this address was erased on request: nothing is stored about it")]
    assert not Contact.objects.exists()
    for header, message in [("name,city\n", "needs an 'email' column"),
                            ("email,is_subscribed\n", "'is_subscribed' can be neither"),
                            ("email,City,city\n", "columns appear twice: city")]:
        with pytest.raises(ImportFileError, match=message):
            read_rows(header.encode(), "c.csv")
    with pytest.raises(ImportFileError, match="only .csv and .xlsx"):
        read_rows(b"", "c.txt")


def test_import_xlsx_with_typed_cells(db):
    dataset = tablib.Dataset(headers=["Email", "Birthday", "orders", "City"])
    import datetime as dt
    dataset.append(["x@example.com", dt.datetime(1990, 5, 17), 3, "Nantes"])
    report = import_contacts(read_rows(dataset.export("xlsx"), "c.xlsx"), dry_run=False)
    assert report.created == 1
    contact = Contact.objects.get()
    assert (contact.birthday, contact.attributes) == (dt.date(1990, 5, 17), {"orders": 3, "city": "Nantes"})


def _big_file(rows: int, bad_every: int) -> tuple[bytes, list[int]]:
    lines, bad = [], []
    for number in range(rows):
        line = number + 2
        if number % bad_every == 0:
            lines.append(f"bad-{number},,,,,,,,")
            bad.append(line)
        else:
            consent = "newsletter form" if number % 3 == 0 else ""
            lines.append(f"c{number}@example.com,N{number},,,,,{consent},City{number % 7},p{number % 2}")
    return _csv(lines), bad


def test_import_of_50000_rows_dry_run_counts_exactly_what_the_real_run_does_with_constant_queries_per_batch(db):
    # Some of the file's contacts exist already: rows of the first two batches.
    Contact.objects.bulk_create(Contact(email=f"c{number}@example.com", first_name="Before")
                                for number in range(1, 2000))
    content, bad_lines = _big_file(50_000, bad_every=997)
    dry = import_contacts(read_rows(content, "big.csv"), dry_run=True)
    assert Contact.objects.count() == 1999 and not Consent.objects.exists(), "a dry run writes nothing"
    assert [line for line, _ in dry.refused] == bad_lines
    assert all("not a valid email address" in reason for _, reason in dry.refused)
    existing = 1999 - sum(1 for n in range(1, 2000) if n % 997 == 0)
    assert (dry.created, dry.updated, dry.unchanged) == (50_000 - len(bad_lines) - existing, existing, 0)

    per_batch = []
    with CaptureQueriesContext(connection) as queries:
        def after_batch(report):
            per_batch.append(len(queries))

        real = import_contacts(read_rows(content, "big.csv"), dry_run=False, on_batch=after_batch)
    assert (real.created, real.updated, real.unchanged, real.consents, real.refused) == (
        dry.created, dry.updated, dry.unchanged, dry.consents, dry.refused)
    assert Contact.objects.count() == 1999 + real.created
    assert Consent.objects.count() == real.consents
    counts = [after - before for before, after in zip([0, *per_batch], per_batch)]
    assert len(counts) == 50
    # The same few statements per batch of 1,000 rows, whatever the file's size (the first two batches also
    # update the existing contacts). SQLite takes at most 999 parameters a statement, so Django splits each bulk
    # write in chunks there: ±1 chunk with a batch's mix.
    spread = 1 if connection.vendor == "sqlite" else 0
    assert max(counts[2:]) - min(counts[2:]) <= spread and max(counts) <= 30, counts


def test_drip_import_contacts_command_dry_run_and_real_run(db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(_csv(["a@example.com,,,,,,,Paris,", "oops,,,,,,,,"]))
    out = io.StringIO()
    call_command("drip_import_contacts", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "line 3: refused: 'oops' is not a valid email address" in out.getvalue()
    assert "1 would be created, 0 would be changed, 0 unchanged, 1 refused" in out.getvalue()
    assert not Contact.objects.exists()
    out = io.StringIO()
    call_command("drip_import_contacts", str(path), stdout=out, stderr=io.StringIO())
    assert "1 were created" in out.getvalue()
    assert Contact.objects.get().attributes == {"city": "Paris"}
