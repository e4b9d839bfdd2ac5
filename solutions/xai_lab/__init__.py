"""Reference solutions of the xai-lab assignment (instructors only, never released)."""
