"""The random-program run ends with what became of the programs: clean, refused (by message), overflowed;
and in the Numba mode, what became of their Numba gradients, and the largest difference from Python's."""
import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("test_fuzz")
    for title, outcomes in [("random programs", getattr(module, "OUTCOMES", None)),
                            ("random programs, Numba gradients", getattr(module, "NUMBA_OUTCOMES", None))]:
        if not outcomes:
            continue
        terminalreporter.section(title)
        terminalreporter.write_line(f"{sum(outcomes.values())} programs")
        for outcome, count in outcomes.most_common():
            terminalreporter.write_line(f"{count:7d}  {outcome}")
    worst = getattr(sys.modules.get("numba_check"), "WORST", None)
    if worst and worst["source"]:
        terminalreporter.write_line(f"largest Numba - Python difference (relative): {worst['difference']:.3g}, in:")
        terminalreporter.write_line(worst["source"].split("def f(x, y, z):")[-1])
