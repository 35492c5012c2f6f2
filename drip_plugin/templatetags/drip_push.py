"""{% load drip_push %}{% drip_push_script %}: web push on a shop's page (docs/push.md)."""
from django import template

from ..channels.push.script import push_script_tag

register = template.Library()
register.simple_tag(push_script_tag, name="drip_push_script")
