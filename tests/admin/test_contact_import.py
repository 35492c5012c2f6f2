"""Issue 20: contact import in the admin — upload, dry run table, confirm."""
from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from drip_plugin.models import Consent, Contact

URL = "/admin/drip/contacts/import/"
CSV = (b"email,first_name,consent_source,city\n"
       b"a@example.com,Ann,signup form,Paris\n"
       b"oops,,,\n"
       b"b@example.com,Bob,,Lyon\n")


def test_admin_import_dry_run_table_then_confirm_imports_what_it_showed(editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert URL in editor.get("/admin/drip_contacts/").content.decode()
    page = editor.post(URL, {"file": SimpleUploadedFile("people.csv", CSV)})
    html = page.content.decode()
    assert page.status_code == 200 and "Dry run of people.csv" in html
    assert '<td data-count="created">2</td>' in html and '<td data-count="refused">1</td>' in html
    assert "<td>3</td><td>&#x27;oops&#x27; is not a valid email address</td>" in html
    assert not Contact.objects.exists(), "the dry run writes nothing"
    token = page.context["confirm"].initial["token"]
    response = editor.post(URL, {"token": token})
    assert response.status_code == 302
    assert dict(Contact.objects.values_list("email", "is_subscribed")) == {"a@example.com": True,
                                                                          "b@example.com": False}
    assert list(Consent.objects.values_list("contact__email", "source")) == [("a@example.com", "signup form")]
    again = editor.post(URL, {"token": token}, follow=True)
    assert "upload the file again" in again.content.decode() and Contact.objects.count() == 2


def test_admin_import_refuses_a_bad_file_with_its_reason(editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name, content, message in [("people.txt", CSV, "Only .csv and .xlsx"),
                                   ("people.csv", b"name,city\nx,y\n", "needs an &#x27;email&#x27; column")]:
        page = editor.post(URL, {"file": SimpleUploadedFile(name, content)})
        assert page.status_code == 200 and message in page.content.decode(), message
    assert editor.post(URL, {"token": "../../etc/passwd"}).status_code == 302
    assert not Contact.objects.exists()
