"""Courses, exams and certification."""

from fastapi import APIRouter

router = APIRouter(prefix="/training", tags=["training"])
