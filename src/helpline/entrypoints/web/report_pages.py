"""The report pages (issue 6). Placeholder: the router is mounted by web/app.py."""

from fastapi import APIRouter

from helpline.entrypoints.web.errors import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
