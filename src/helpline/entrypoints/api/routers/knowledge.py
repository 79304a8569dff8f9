"""The help section (knowledge base)."""

from fastapi import APIRouter

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
