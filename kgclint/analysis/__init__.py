"""Project-wide analyses that rules share through Project.analysis."""
