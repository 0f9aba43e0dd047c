"""What the front ends show as text, for any of them: durations and clock times, and one human
line per engine event. The headless front end prints these lines; the TUI writes the same ones
in its log; `status` and the backends' messages use the same durations. Depends on the core
only (an import-linter contract holds it), never on a front end.
"""
