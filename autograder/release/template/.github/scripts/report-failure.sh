#!/usr/bin/env bash
# Runs when an earlier step failed. A run that could not grade still reports what Classroom
# reads (0 points: nothing was graded) and one annotation saying what failed and whether it
# is the student's doing. A run that graded and found failed checks has said all of that
# already and adds nothing. Bash only: Python packages may be missing when this runs.
set -euo pipefail

classroom=false
[ -n "${HIDDEN_SUITES_REPOSITORY:-}" ] && classroom=true

if [ "${GRADE_OUTCOME:-}" = failure ] && [ "${GRADE_GRADED:-}" = true ] \
   && { [ "${GRADE_REPORTED:-}" = true ] || [ "$classroom" = false ]; }; then
  echo "Bewertet; nicht bestandene Prüfungen stehen in der Zusammenfassung."
  exit 0
fi

not_yours="Das ist nicht dein Fehler: starte den Lauf später neu (Actions → Re-run jobs); bleibt der Fehler, melde ihn der Lehrperson."
if [ "${INSTALL_OUTCOME:-}" = failure ]; then
  title="Bewertung fehlgeschlagen – Installation"
  message="Die Python-Pakete ließen sich nicht installieren (Schritt »Pakete installieren (CPU)«), daher wurde nichts bewertet. ${not_yours}"
elif [ "${FETCH_OUTCOME:-}" = failure ]; then
  title="Bewertung fehlgeschlagen – versteckte Checks"
  message="Die versteckten Checks der Lehrperson ließen sich nicht laden (Schritt »Versteckte Checks laden«), daher wurde nichts bewertet. Das ist nicht dein Fehler: bitte der Lehrperson melden."
elif [ "${GRADE_OUTCOME:-}" = failure ] && [ "${GRADE_STATUS:-}" = 2 ]; then
  title="Abgabe nicht bewertbar"
  message="Der Grader konnte deine Abgabe nicht bewerten (Schritt »Bewerten«, z. B. fehlt das Verzeichnis xai_lab/). Das liegt an deiner Abgabe: stelle xai_lab/ wieder her und pushe erneut."
elif [ "${GRADE_OUTCOME:-}" = failure ] && [ "${GRADE_STATUS:-}" = 3 ]; then
  title="Bewertung unvollständig"
  message="Der Grader konnte nicht alle Prüfungen ausführen (interner Fehler, Schritt »Bewerten«); bis zur Klärung zählen 0 Punkte. Das ist nicht dein Fehler: bitte der Lehrperson melden."
elif [ "${GRADE_OUTCOME:-}" = failure ]; then
  title="Bewertung abgebrochen"
  message="Der Grader ist nicht fertig geworden (Exit-Code ${GRADE_STATUS:-unbekannt}; ohne Exit-Code: Zeitlimit oder Abbruch), daher wurde nichts bewertet. ${not_yours}"
else
  title="Bewertung fehlgeschlagen"
  message="Der Lauf ist vor der Bewertung gescheitert (Checkout oder Python-Einrichtung), daher wurde nichts bewertet. ${not_yours}"
fi

max_points=""
if [ "$classroom" = true ]; then
  read -r max_points < .github/scripts/max-points.txt || true
  if ! [[ "$max_points" =~ ^[0-9]+(\.[0-9]{1,2})?$ ]]; then
    echo "::error title=Bewertung fehlgeschlagen::${message} Zudem fehlt .github/scripts/max-points.txt: keine Punkte an Classroom gemeldet."
    exit 1
  fi
  message="${message} An GitHub Classroom gemeldet: 0/${max_points} Punkte."
fi

# Workflow-command escaping (the texts above hold no %, CR or LF; the title no colon or comma).
echo "::error title=${title}::${message}"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  printf '## xai-lab Bewertung\n\n**%s.** %s\n' "$title" "$message" >> "$GITHUB_STEP_SUMMARY"
fi
if [ "$classroom" = true ]; then
  echo "::notice title=Autograding complete::Points 0/${max_points}"
  echo "::notice title=Autograding report::{\"totalPoints\":0,\"maxPoints\":${max_points}}"
fi
