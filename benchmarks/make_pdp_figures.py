"""Draw the figures of Aufgabe 4 (partial dependence) of the assignment sheet with the reference.

    .venv/bin/python benchmarks/make_pdp_figures.py

Writes ``assignments/figures/pdp_lstat_1d.png``, ``pdp_rm_lstat_2d.png`` and
``pdp_rm_forest_vs_boosting.png``: the three exercises of the lecture, on a random
forest of 100 trees and gradient boosting (scikit-learn defaults, seed 0) fitted on the
Boston training split, averaged over the 102 test rows. Also prints the numbers the
sheet's text quotes. Lives outside ``fixtures/`` because it imports the reference.
"""

from __future__ import annotations

from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor

from sheet_figures import FIGURES, REPO, load_module, plt


def main() -> None:
    boston = load_module(REPO / "fixtures" / "pdp" / "boston.py", "boston")
    pdp = load_module(REPO / "solutions" / "xai_lab" / "pdp.py", "reference_pdp")
    X_train, X_test, y_train, _ = boston.split(*boston.read_boston())
    forest = RandomForestRegressor(n_estimators=100, random_state=0).fit(X_train, y_train)
    boosting = GradientBoostingRegressor(random_state=0).fit(X_train, y_train)
    FIGURES.mkdir(parents=True, exist_ok=True)

    grid, average = pdp.partial_dependence_1d(forest, X_test, "LSTAT")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(grid, average)
    ax.set_xlabel("LSTAT (Anteil einkommensschwacher Bevölkerung, %)")
    ax.set_ylabel("mittlere Vorhersage MEDV (1000 $)")
    ax.set_title("Partial Dependence: LSTAT (Random Forest)")
    fig.tight_layout()
    fig.savefig(FIGURES / "pdp_lstat_1d.png", dpi=100)
    print(f"LSTAT: {grid[0]:.2f} -> {average[0]:.1f}, {grid[len(grid) // 2]:.2f} -> {average[len(grid) // 2]:.1f}, "
          f"{grid[-1]:.2f} -> {average[-1]:.1f}")

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    pdp.plot_partial_dependence_2d(forest, X_test, ["RM", "LSTAT"], ax=ax)
    ax.set_title("Partial Dependence: RM × LSTAT (Random Forest)")
    fig.tight_layout()
    fig.savefig(FIGURES / "pdp_rm_lstat_2d.png", dpi=100)
    grid_1, grid_2, average = pdp.partial_dependence_2d(forest, X_test, ["RM", "LSTAT"])
    for i, j in ((0, 0), (-1, 0), (0, -1), (-1, -1)):
        print(f"RM {grid_1[i]:.2f}, LSTAT {grid_2[j]:.2f}: {average[i, j]:.1f}")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for model, label in ((forest, "Random Forest"), (boosting, "Gradient Boosting")):
        grid, average = pdp.partial_dependence_1d(model, X_test, "RM")
        ax.plot(grid, average, label=label)
        print(f"RM, {label}: {grid[0]:.2f} -> {average[0]:.1f}, {grid[-1]:.2f} -> {average[-1]:.1f}")
    ax.set_xlabel("RM (Zimmer pro Wohnung)")
    ax.set_ylabel("mittlere Vorhersage MEDV (1000 $)")
    ax.set_title("Partial Dependence: RM")
    ax.legend()
    fig.tight_layout()
    fig.savefig(FIGURES / "pdp_rm_forest_vs_boosting.png", dpi=100)
    print(f"wrote 3 figures to {FIGURES}")


if __name__ == "__main__":
    main()
