"""Coursework: personalised CRM assignments with seeded data and automatic grading."""

from crm_models.coursework.assignment import (
    GradeResult,
    course_config,
    folder_name,
    grade,
    grade_results,
    grades_table,
    new_assignment,
    read_roster,
    save_answers,
    solution_answers,
    student_data,
    write_grades,
)
from crm_models.coursework.bank import BANK
from crm_models.coursework.config import AssignmentConfig, load_config
from crm_models.coursework.course_key import create_key, load_key, student_seed
from crm_models.coursework.questions import QUESTIONS, reference_answers
from crm_models.coursework.reporting import class_report, class_summary

__all__ = ["AssignmentConfig", "BANK", "GradeResult", "QUESTIONS", "load_config", "class_report",
           "class_summary", "course_config", "create_key", "folder_name", "grade", "grade_results",
           "grades_table", "load_key",
           "new_assignment", "read_roster", "reference_answers", "save_answers", "solution_answers",
           "student_data", "student_seed", "write_grades"]
