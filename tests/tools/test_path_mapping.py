from sleuth.tools.path_mapping import RepoPathIndex

FILES = [
    "payments/currency.py",
    "payments/__init__.py",
    "tests/__init__.py",
    "src/app/Main.java",
    "lib/x.rb",
]


def test_longest_suffix_from_container_and_windows_paths() -> None:
    index = RepoPathIndex(FILES)
    assert index.lookup("/app/payments/currency.py") == "payments/currency.py"
    assert index.lookup("C:\\build\\src\\app\\Main.java") == "src/app/Main.java"
    assert index.lookup("file:///srv/lib/x.rb") == "lib/x.rb"
    assert index.lookup("/usr/lib/python3.11/json/decoder.py") is None
    assert index.lookup(None) is None


def test_ambiguous_basename_needs_a_longer_suffix() -> None:
    index = RepoPathIndex(FILES)
    assert index.lookup("/app/payments/__init__.py") == "payments/__init__.py"
    assert index.lookup("__init__.py") is None
