"""The random-program run ends with what became of the programs: clean, refused (by message), overflowed."""
import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("test_fuzz")
    outcomes = getattr(module, "OUTCOMES", None)
    if not outcomes:
        return
    terminalreporter.section("random programs")
    terminalreporter.write_line(f"{sum(outcomes.values())} programs")
    for outcome, count in outcomes.most_common():
        terminalreporter.write_line(f"{count:7d}  {outcome}")
