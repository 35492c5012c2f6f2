"""Issue 20: contact import in the admin — upload, the dry run as a
background job with its progress and outcome, confirm, the import likewise."""
from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from drip_plugin.ingest.contact_import import run_import_job
from drip_plugin.models import Consent, Contact, ContactImport

URL = "/admin/drip/contacts/import/"
CSV = (b"email,first_name,consent_source,city\n"
       b"a@example.com,Ann,signup form,Paris\n"
       b"oops,,,\n"
       b"b@example.com,Bob,,Lyon\n")


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_point_admin_import_bad_rows_listed_with_line_numbers_dry_run_then_import_as_celery_tasks(
        editor, storage, celery_memory_app, django_capture_on_commit_callbacks):
    celery_memory_app.conf.task_always_eager = True  # the tasks run where they are queued: no worker here
    assert URL in editor.get("/admin/drip_contacts/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(URL, {"file": SimpleUploadedFile("people.csv", CSV)})
    dry = ContactImport.objects.get()
    assert response.status_code == 302 and response.url == f"{URL}{dry.pk}/"
    assert (dry.dry_run, dry.state, dry.file_name, dry.batches) == (True, "done", "people.csv", 1)
    html = editor.get(response.url).content.decode()
    assert "Dry run of people.csv" in html and "Dry run finished: nothing is saved yet." in html
    assert '<td data-count="created">2</td>' in html and '<td data-count="refused">1</td>' in html
    assert "<td>3</td><td>&#x27;oops&#x27; is not a valid email address</td>" in html
    assert not Contact.objects.exists(), "the dry run writes nothing"

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"{URL}{dry.pk}/")
    real = ContactImport.objects.get(dry_run=False)
    assert response.url == f"{URL}{real.pk}/" and real.state == "done"
    assert "Imported: 2 created, 0 changed, 1 refused." in editor.get(response.url).content.decode()
    assert dict(Contact.objects.values_list("email", "is_subscribed")) == {"a@example.com": True,
                                                                          "b@example.com": False}
    assert list(Consent.objects.values_list("contact__email", "source")) == [("a@example.com", "signup form")]
    again = editor.post(f"{URL}{dry.pk}/", follow=True)
    assert "upload the file again" in again.content.decode() and Contact.objects.count() == 2


def test_admin_import_page_shows_a_progress_bar_until_a_worker_runs_it(editor, storage, celery_memory_app,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = editor.post(URL, {"file": SimpleUploadedFile("people.csv", CSV)}, follow=True)
    job = ContactImport.objects.get()
    html = page.content.decode()
    assert job.state == "queued", "queued for a worker, not run in the request"
    assert re.search(rf'<div class="drip-import-progress" data-url="{URL}{job.pk}/progress.json">', html)
    assert '<progress max="100" value="0"' in html and "Waiting for a worker…" in html
    assert "drip_plugin/contact_import.js" in html
    run_import_job(job.pk)  # what the worker does
    html = editor.get(f"{URL}{job.pk}/").content.decode()
    assert "<progress" not in html and '<td data-count="created">2</td>' in html


def test_admin_import_confirmed_twice_imports_once(editor, storage, celery_memory_app,
                                                   django_capture_on_commit_callbacks):
    editor.post(URL, {"file": SimpleUploadedFile("people.csv", CSV)})
    dry = ContactImport.objects.get()
    run_import_job(dry.pk)
    first, second = editor.post(f"{URL}{dry.pk}/"), editor.post(f"{URL}{dry.pk}/")
    assert first.url == second.url and ContactImport.objects.filter(dry_run=False).count() == 1


def test_admin_import_when_the_broker_is_down_says_so(editor, storage, celery_memory_app,
                                                      django_capture_on_commit_callbacks):
    celery_memory_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(URL, {"file": SimpleUploadedFile("people.csv", CSV)})
    job = ContactImport.objects.get()
    assert job.state == "failed" and "is the Celery broker running?" in job.error
    assert "The dry run stopped: the task queue could not be reached" in editor.get(response.url).content.decode()


def test_admin_import_refuses_a_bad_file_with_its_reason(editor, storage):
    for name, content, message in [("people.txt", CSV, "Only .csv and .xlsx"),
                                   ("people.csv", b"name,city\nx,y\n", "needs an &#x27;email&#x27; column")]:
        page = editor.post(URL, {"file": SimpleUploadedFile(name, content)})
        assert page.status_code == 200 and message in page.content.decode(), message
    assert not ContactImport.objects.exists() and not default_storage.listdir("")[1]
    assert editor.get(f"{URL}999/").status_code == 404
    assert not Contact.objects.exists()
