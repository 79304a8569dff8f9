"""The satisfaction survey pages (the customer's answer page among them)."""

from fastapi import APIRouter

from helpline.entrypoints.web.errors import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
