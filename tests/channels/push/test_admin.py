"""Editors: push content with merge fields, the 4 KB limit as a form error,
preview, and a test push to the editor's own browser."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse

from drip_plugin.channels.push.models import PushNotification, PushSubscription

pytestmark = pytest.mark.django_db

FIELDS = {"name": "Cart push", "title": "{{ contact.first_name }}, your cart", "icon": "",
          "body": "{{ cart.lines|length }} items: {{ cart.total }} €", "url": "{{ cart.restore_url }}"}


def test_a_notification_over_4kb_is_a_form_error(editor, push_settings):
    response = editor.post(reverse("wagtailsnippets_drip_plugin_pushnotification:add"),
                           {**FIELDS, "body": "{% for a in cart.lines %}{% for b in cart.lines %}" + "x" * 450
                                                     + "{% endfor %}{% endfor %}",
                            "action-publish": "action-publish"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "over the 3993 bytes a push message can carry: shorten the text" in page
    assert not PushNotification.objects.exists()


def test_a_javascript_link_is_a_form_error(editor, push_settings):
    response = editor.post(reverse("wagtailsnippets_drip_plugin_pushnotification:add"),
                           {**FIELDS, "url": "javascript:alert(1)"})
    assert response.status_code == 200 and "must be an http(s) link" in response.content.decode()


def test_preview_shows_the_merged_notification(editor, push_settings):
    assert editor.post(reverse("wagtailsnippets_drip_plugin_pushnotification:add"), FIELDS).status_code == 302
    notification = PushNotification.objects.get()
    url = reverse("wagtailsnippets_drip_plugin_pushnotification:preview_on_edit", args=[notification.pk])
    assert editor.post(url, FIELDS).json()["is_valid"]
    page = editor.get(url).content.decode()
    assert "Ada, your cart" in page and "3 items: 86.00 €" in page and "https://shop.example/cart/restore/sample" in page


def test_point_editor_test_push_reaches_only_the_editors_own_browser(editor, push_service):
    notification = PushNotification.objects.create(**FIELDS, live=True)
    page_url = reverse("drip_plugin_push_test", args=[notification.pk])
    assert 'data-drip-push="subscribe"' in editor.get(page_url).content.decode()
    refused = editor.post(page_url, follow=True).content.decode()
    assert "turn notifications on in this browser first" in refused

    mine = push_service.new_browser()
    response = editor.post(reverse("drip_plugin_push_my_browser"), json.dumps({"subscription": mine.subscription_json()}),
                           content_type="application/json")
    assert response.status_code == 201
    assert PushSubscription.objects.get().contact is None  # an editor's browser is no contact

    done = editor.post(page_url, follow=True).content.decode()

    assert "Test push sent to 1 of your browsers." in done
    (push,) = push_service.received
    assert push.endpoint == mine.endpoint
    assert push.payload["title"] == "[TEST] Ada, your cart" and push.payload["body"] == "3 items: 86.00 €"


def test_the_test_push_page_needs_the_change_permission(client, push_settings, django_user_model):
    notification = PushNotification.objects.create(**FIELDS, live=True)
    user = django_user_model.objects.create_user("viewer", "v@shop.test", "pw")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse("drip_plugin_push_test", args=[notification.pk])).status_code in (302, 403)
