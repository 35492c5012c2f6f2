"""Issue 20, "large files in batches with a progress bar": an admin import
runs as a ContactImport job, batch by batch, outside the HTTP request (the
Celery task is a thin shell over run_import_job, called here directly)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from drip_plugin.ingest.contact_import import run_import_job
from drip_plugin.models import Consent, Contact, ContactImport
from drip_plugin.tasks import contact_import

from .test_contact_import import _big_file, _csv


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _job(content: bytes, *, dry_run: bool, stored_name: str | None = None) -> ContactImport:
    if stored_name is None:
        stored_name = default_storage.save("drip_plugin/imports/upload.csv", ContentFile(content))
    return ContactImport.objects.create(file_name="contacts.csv", stored_name=stored_name, dry_run=dry_run)


@pytest.fixture
def saved_progress():
    """(batches, rows read, refused so far) at each save of a job."""
    seen = []

    def record(sender, instance, update_fields=None, **kwargs):
        if update_fields and "batches" in update_fields:
            seen.append((instance.batches, instance.rows_read, len(instance.refused)))

    post_save.connect(record, sender=ContactImport, dispatch_uid="test_saved_progress")
    yield seen
    post_save.disconnect(dispatch_uid="test_saved_progress", sender=ContactImport)


# Four passes over 50,000 rows (count and dry run, count and import): a guard against a hang on a busy
# machine, not a timing; the database's setup is not counted.
@pytest.mark.timeout(1200, func_only=True)
def test_point_50000_row_import_job_dry_run_counts_match_the_real_run_bad_rows_by_line_constant_queries_per_batch(
        db, storage):
    Contact.objects.bulk_create(Contact(email=f"c{number}@example.com", first_name="Before")
                                for number in range(1, 2000))
    content, bad_lines = _big_file(50_000, bad_every=997)
    dry = run_import_job(_job(content, dry_run=True).pk)
    assert (dry.state, dry.total_rows, dry.rows_read, dry.batches) == ("done", 50_000, 50_000, 50)
    assert Contact.objects.count() == 1999 and not Consent.objects.exists(), "a dry run writes nothing"
    assert [line for line, _ in dry.refused] == bad_lines
    assert all("not a valid email address" in reason for _, reason in dry.refused)

    dry.refresh_from_db()
    real = _job(content, dry_run=False, stored_name=dry.stored_name)
    saves = []
    with CaptureQueriesContext(connection) as queries:
        # The job saves its row count, then its progress after each batch (its end is an UPDATE,
        # not a save): the queries between two saves are one batch's.
        post_save.connect(lambda **kwargs: saves.append(len(queries)), sender=ContactImport,
                          dispatch_uid="test_queries_per_batch", weak=False)
        try:
            run_import_job(real.pk)
        finally:
            post_save.disconnect(sender=ContactImport, dispatch_uid="test_queries_per_batch")
    real.refresh_from_db()
    assert real.state == "done" and real.error == ""
    assert (real.created, real.updated, real.unchanged, real.consents, real.refused) == (
        dry.created, dry.updated, dry.unchanged, dry.consents, dry.refused)
    assert Contact.objects.count() == 1999 + real.created and Consent.objects.count() == real.consents
    assert not default_storage.exists(dry.stored_name), "the upload is deleted once imported"
    counts = [after - before for before, after in zip(saves, saves[1:])]
    assert len(counts) == 50
    # As for import_contacts: the same statements per batch (+ the progress save); SQLite splits bulk writes
    # in chunks of 999 parameters, ±1 chunk with a batch's mix. The first two batches update existing contacts.
    spread = 1 if connection.vendor == "sqlite" else 0
    assert max(counts[2:]) - min(counts[2:]) <= spread and max(counts) <= 31, counts


def test_point_progress_recorded_per_batch_and_served_to_the_progress_bar(db, storage, saved_progress, editor):
    content = _csv([f"p{number}@example.com,,,,,,,," if number % 4 else f"bad{number},,,,,,,,"
                    for number in range(10)])
    job = _job(content, dry_run=True)
    progress_url = f"/admin/drip/contacts/import/{job.pk}/progress.json"
    assert editor.get(progress_url).json() == {
        "state": "queued", "finished": False, "percent": 0, "rows_read": 0, "total_rows": None, "batches": 0,
        "created": 0, "updated": 0, "refused": 0}
    run_import_job(job.pk, batch_size=3)
    assert saved_progress == [(1, 3, 1), (2, 6, 2), (3, 9, 3), (4, 10, 3)]
    assert editor.get(progress_url).json() == {
        "state": "done", "finished": True, "percent": 100, "rows_read": 10, "total_rows": 10, "batches": 4,
        "created": 7, "updated": 0, "refused": 3}


def test_import_job_runs_once_when_its_task_is_delivered_twice(db, storage):
    job = _job(_csv(["once@example.com,,,,,,,,"]), dry_run=False)
    contact_import(job.pk)  # the task, run as a worker would
    assert run_import_job(job.pk) is None, "a second delivery finds it taken"
    job.refresh_from_db()
    assert (job.state, job.created, Contact.objects.count()) == ("done", 1, 1)


def test_import_job_of_a_missing_or_broken_file_fails_with_the_reason(db, storage):
    gone = ContactImport.objects.create(file_name="gone.csv", stored_name="drip_plugin/imports/gone.csv",
                                        dry_run=True)
    broken = _job(b"\xff\xfe not utf-8", dry_run=True)
    for job in (gone, broken):
        run_import_job(job.pk)
        job.refresh_from_db()
        assert job.state == "failed" and job.finished_at is not None
    assert "No such file" in gone.error and "not UTF-8 text" in broken.error
    assert not Contact.objects.exists()


def test_import_job_whose_worker_was_killed_shows_failed_after_the_stall_time_and_its_upload_is_deleted(
        db, storage, editor, clock, monkeypatch):
    from drip_plugin.ingest import contact_import as module

    def killed_after_first_batch(rows, *, on_batch, **kwargs):
        def batch_then_die(report):
            on_batch(report)
            raise SystemExit("worker killed")  # not an Exception: nothing in the job catches it, as with SIGKILL
        return real_import(rows, on_batch=batch_then_die, **kwargs)

    real_import = module.import_contacts
    monkeypatch.setattr(module, "import_contacts", killed_after_first_batch)
    job = _job(_csv([f"k{number}@example.com,,,,,,,," for number in range(10)]), dry_run=False)
    with pytest.raises(SystemExit):
        run_import_job(job.pk, batch_size=3)
    progress_url = f"/admin/drip/contacts/import/{job.pk}/progress.json"
    clock.shift(dt.timedelta(minutes=14))
    assert editor.get(progress_url).json()["state"] == "running", "still within the stall time"
    assert default_storage.exists(job.stored_name)
    clock.shift(dt.timedelta(minutes=2))
    progress = editor.get(progress_url).json()
    assert (progress["state"], progress["finished"]) == ("failed", True), "no progress bar waits for ever"
    job.refresh_from_db()
    assert (job.state, job.rows_read, Contact.objects.count()) == ("failed", 3, 3), "imported rows stay"
    assert "worker was stopped or lost" in job.error
    assert not default_storage.exists(job.stored_name), "the upload (personal data) is deleted"
    page = editor.get(f"/admin/drip/contacts/import/{job.pk}/").content.decode()
    assert "The import stopped: its worker was stopped or lost" in page


def test_dry_run_upload_never_confirmed_is_deleted_by_the_daily_prune_task(db, storage, clock):
    from drip_plugin.tasks import prune

    forgotten = _job(_csv(["f@example.com,,,,,,,,"]), dry_run=True)
    run_import_job(forgotten.pk)
    clock.shift(dt.timedelta(hours=20))
    recent = _job(_csv(["r@example.com,,,,,,,,"]), dry_run=True)
    run_import_job(recent.pk)
    clock.shift(dt.timedelta(hours=5))
    prune()
    assert not default_storage.exists(forgotten.stored_name), "finished 25 hours ago, never confirmed"
    assert default_storage.exists(recent.stored_name), "finished 5 hours ago: the editor may still confirm it"
