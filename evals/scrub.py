"""The leakage rules of EVALS.md: what a mined symptom may not say about its answer."""

import re

from sleuth.tools.lexical import tokens

MIN_ALNUM = 40
_SHA = re.compile(r"\b[0-9a-f]{7,40}\b", re.I)
_REVERTS_LINE = re.compile(r"^.*\bThis reverts commit\b.*$", re.M | re.I)
_REVERT_QUOTE = re.compile(r"""^\s*(?:[-*]\s+)?(?:Revert|Reapply)\s+["'“].*$""", re.M | re.I)
# Lines GitHub and bots add to squashed branch histories; they say nothing about the incident.
_SQUASH_NOISE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:Apply suggestions? from code review|\[pre-commit\.ci\].*|"
    r"for more information, see https://pre-commit\.ci|Merge (?:remote-tracking )?branch .*|"
    r"(?:wip|fix|fixes|typo|lint|linting|format|formatting|cleanup|review comments?|"
    r"address(?:ed)? (?:review|comments).*|"
    # GitHub's web-editor default titles ("Update whats-new.rst") and lint-only steps of a squash
    r"(?:Update|Create|Delete|Rename) [\w./-]+|(?:run |fix |apply )?(?:flake8|black|isort|ruff|mypy|pre-commit)|"
    r"remove trailing whitespaces?)\.?)\s*$",
    re.M | re.I,
)
_URL = re.compile(r"https?://\S+")
_NUMBER_REF = re.compile(r"(?:\b[\w.-]+/[\w.-]+)?(?:#|\bgh-|\bGH-|\bbpo-|!)\d+\b")
_WORD_NUMBER = re.compile(r"\b(?:issue|issues|pr|prs|pull request|pull|bug|ticket|commit)s?\s*(?:no\.?\s*)?\d+\b", re.I)
# Sphinx roles that cite a tracker entry: :issue:`123`, :ticket:`9`, :pull:`45`, :pr:`6`, :gh:`7`, :bpo:`8`.
_ROLE_REF = re.compile(r":(?:issue|ticket|pull|pr|gh|ghissue|ghpull|bpo|bug|commit|user):`[^`]*`", re.I)
_TRAILER = re.compile(
    # `Key: value`, git-svn's `git-svn-id:`, and an empty `Reviewer:` as svn-era Twisted leaves them
    r"^(?:(?:[A-Z][\w-]*(?:-[\w]+)*|git-svn-id):(?:\s+\S.*)?"
    # curl's and GitHub's closing lines, which carry no colon: "Fixes #123", "Closes https://…/pull/4"
    r"|(?i:fix|fixes|fixed|close|closes|closed|resolve|resolves|resolved|refs?|see|bug|follow-up to)\s+"
    r"(?:[\w.-]+/[\w.-]+)?(?:#\d+|https?://\S+|[0-9a-f]{7,40}))$"
)
# Who wrote, reported, reviewed, tested or helped: names, wherever the line stands (Twisted's svn-era
# messages open with "Author: x" and "Reviewer: y").
_PERSON_TRAILER = re.compile(r"^\s*(?:[\w-]+-by|authors?|reviewers?):.*$", re.M | re.I)
# What is left of "Fixes: #12" or "Reopens: #5683." once the number is gone.
_EMPTIED_TRACKER_LINE = re.compile(
    r"^\s*(?:fix(?:es|ed)?|close[sd]?|reopens?|refs?|references|see|resolve[sd]?|related)\s*:?\s*[.,;]?\s*$",
    re.M | re.I,
)
_MENTION = re.compile(r"(?<!\w)@[\w-]+")
_EMAIL = re.compile(r"<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")
_CONTENT_MIN = 3


def _strip_trailers(text: str) -> str:
    """Drop the trailing block of `Key: value` lines (Signed-off-by, Co-authored-by, Fixes, …)."""
    paragraphs = text.rstrip().split("\n\n")
    while paragraphs:
        lines = [line for line in paragraphs[-1].splitlines() if line.strip()]
        if lines and all(_TRAILER.match(line.strip()) for line in lines):
            paragraphs.pop()
        else:
            break
    return _PERSON_TRAILER.sub("", "\n\n".join(paragraphs))


def scrub(body: str, culprit_titles: list[str], names: list[str]) -> str:
    """The symptom a fix's message leaves once the answer is taken out (the subject is already dropped)."""
    text = _strip_trailers(body)
    text = _REVERTS_LINE.sub("", text)
    text = _REVERT_QUOTE.sub("", text)
    text = _SQUASH_NOISE.sub("", text)
    text = _URL.sub("", text)
    for title in sorted({t.strip() for t in culprit_titles if t and t.strip()}, key=len, reverse=True):
        text = re.sub(re.escape(title), "", text, flags=re.I)
    text = _ROLE_REF.sub("", text)
    text = _NUMBER_REF.sub("", text)
    text = _WORD_NUMBER.sub("", text)
    text = _SHA.sub("", text)
    text = _EMAIL.sub("", text)
    text = _MENTION.sub("", text)
    for name in {n.strip() for n in names if n and len(n.strip()) > 2}:
        text = re.sub(rf"\b{re.escape(name)}\b", "", text, flags=re.I)
        for part in name.split():
            if len(part) > 3:
                text = re.sub(rf"\b{re.escape(part)}\b", "", text)
    text = _EMPTIED_TRACKER_LINE.sub("", text)
    lines = [re.sub(r"[ \t]{2,}", " ", line).rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def long_enough(symptom: str) -> bool:
    return sum(ch.isalnum() for ch in symptom) >= MIN_ALNUM


def content_words(text: str) -> set[str]:
    return {t for t in tokens(text) if len(t) >= _CONTENT_MIN and not t.isdigit()}


def is_strict(symptom: str, culprit_title: str) -> bool:
    """No content word of the culprit's title survives in the symptom."""
    return not (content_words(culprit_title) & content_words(symptom))
