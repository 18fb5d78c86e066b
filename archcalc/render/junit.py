"""JUnit XML for `check`: each spec a test suite, each budget a test case, so GitLab, Jenkins
and other CI systems show budgets as tests (an invalid spec is a suite with one error)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr as _quoteattr

from ..text import shown


def quoteattr(text: str) -> str:
    """An XML attribute value of `text` as shown: XML 1.0 has no way to hold a control
    character, U+FFFE or a lone surrogate, so a name holding one is written escaped."""
    return _quoteattr(shown(text))


def budgets(results, failures) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for r in results:
        failed = sum(not line.within for line in r.lines)
        lines.append(f"  <testsuite name={quoteattr(r.name)} file={quoteattr(r.file)} tests=\"{len(r.lines)}\" "
                     f"failures=\"{failed}\" errors=\"0\">")
        for line in r.lines:
            # The figures the table shows, as properties (as pytest's record_property writes them).
            lines += [f"    <testcase classname={quoteattr(r.name)} name={quoteattr(line.label)}>", "      <properties>",
                      *(f'        <property name="{key}" value="{value}"/>' for key, value in (
                          ("budget", line.key), ("used", line.used), ("allowed", line.allowed),
                          ("headroom", line.headroom))),
                      "      </properties>"]
            if not line.within:
                message = f"{line.used:,} exceeds the budget {line.allowed:,} by {-line.headroom:,}"
                lines.append(f"      <failure message={quoteattr(message)}/>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    for exc in failures:
        lines += [f"  <testsuite name={quoteattr(exc.file or '<spec>')} tests=\"1\" failures=\"0\" errors=\"1\">",
                  '    <testcase classname="archcalc" name="load">',
                  f"      <error message={quoteattr(str(exc))}/>", "    </testcase>", "  </testsuite>"]
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
