"""Dein Paket für Übungsblatt 5 (Erklärbare KI). Implementiere die Funktionen in den Modulen."""
